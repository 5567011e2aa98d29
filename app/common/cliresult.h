#pragma once

namespace cachescope::cli {

// Exit codes, as a shell user expects them.
enum ExitCode
{
    ExitOk = 0,
    ExitFailure = 1, // the server said no, or could not be reached
    ExitUsage = 2, // the command line is wrong
    ExitLostState = 3, // it ran, but the server lost state it held before (a restart without persistence)
    ExitInterrupted = 130, // stopped by the user (Ctrl-C, SIGTERM), as shells report it: not a server failure
};

} // namespace cachescope::cli
