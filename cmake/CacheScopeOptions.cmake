# One INTERFACE target carries the language standard, the warnings and the strict Qt defines, so every
# target that links it is built the same way (the qBittorrent habit).
add_library(cachescope_options INTERFACE)
add_library(CacheScope::options ALIAS cachescope_options)

target_compile_features(cachescope_options INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_options(cachescope_options INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough)

# Off for a local build (a newer compiler's new warning must not stop someone building), on in CI (scripts/test.sh):
# a warning there fails the build, as hiredis does.
option(CACHESCOPE_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
if(CACHESCOPE_WARNINGS_AS_ERRORS)
    target_compile_options(cachescope_options INTERFACE -Werror)
endif()

target_compile_definitions(cachescope_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_FOREACH
    QT_NO_KEYWORDS
    QT_USE_QSTRINGBUILDER
    QT_STRICT_ITERATORS
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    CACHESCOPE_VERSION="${PROJECT_VERSION}") # every tool's --version, from project()
