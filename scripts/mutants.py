#!/usr/bin/env python3
"""Mutation check of CacheScope's safety-critical code.

Two kinds of mutant, each one realistic bug in one file, applied alone in build-dev: the tests that guard the file
are rebuilt and run, the file is restored byte for byte, and the verdict recorded.

- The hand list (scripts/mutants.txt): regressions of decisions that once went wrong; every one must stay killed.
- Generated mutants (--sample): drawn at random over the safety-critical folders (core/ops, admin, redis, cache,
  model, metrics, analysis) by operator — relational swaps, integer constants ±1, negated conditions, a dropped
  term of && / ||, a deleted statement, swapped arguments, flipped boolean defaults. A mutant that does not build is
  stillborn and another is drawn in its place. An equivalent mutant (no test could tell it apart) is marked by the
  reviewed list scripts/mutants-equivalent.txt, never by guess.

Usage: scripts/mutants.sh [ID ...]                 the hand list (all of it when no id is given)
       scripts/mutants.sh --sample N --seed S      N generated mutants; last line "killed K of N (equivalent E)"
       scripts/mutants.sh --list [--seed S]        every generated mutant, without running anything
       scripts/mutants.sh --check                  every hand-list mutant still applies (scripts/test.sh runs it)
"""
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-dev")


def parse(path):
    mutants, current = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("## "):
                current = {"id": line[3:].split(":")[0].strip(), "title": line[3:].strip()}
                mutants.append(current)
            elif current is not None and ": " in line and line.split(": ")[0] in ("file", "from", "to", "tests"):
                key, value = line.split(": ", 1)
                current[key] = value.encode().decode("unicode_escape") if key in ("from", "to") else value
    for m in mutants:
        missing = [k for k in ("file", "from", "to", "tests") if k not in m]
        if missing:
            sys.exit(f"mutant {m['id']}: missing {', '.join(missing)}")
    return mutants


def run(command, timeout):
    """Runs a command in a process group of its own, its output to a file: a test a mutant crashed leaves its
    redis-server behind, and that orphan must neither hold a pipe open (the run would wait for it for ever) nor
    outlive the mutant (the group is killed afterwards)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CACHESCOPE_SOURCE_DIR=ROOT)
    with tempfile.TemporaryFile() as output:
        p = subprocess.Popen(command, cwd=BUILD, env=env, stdout=output, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = -1
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        output.seek(0)
        text = output.read().decode(errors="replace")
        return code, text if code != -1 else text + "\ntimed out"


def check(m):
    path = os.path.join(ROOT, m["file"])
    with open(path, "rb") as f:
        original = f.read()
    needle, replacement = m["from"].encode(), m["to"].encode()
    count = original.count(needle)
    if count != 1:
        return "NOT APPLIED", f"'from' found {count} times in {m['file']}"
    backup = path + ".mutant-backup"
    shutil.copyfile(path, backup)
    try:
        with open(path, "wb") as f:
            f.write(original.replace(needle, replacement))
        groups = [g.split() for g in m["tests"].split(";")]
        targets = sorted({g[0] for g in groups})
        code, out = run(["cmake", "--build", ".", "--target", *targets, "--", "-j2"], 1200)
        if code != 0:
            return "KILLED", "does not build"
        for group in groups:
            code, out = run([os.path.join(BUILD, "tests", group[0]), *group[1:]], 600)
            if code != 0:
                failed = [l.strip() for l in out.splitlines() if l.startswith("FAIL!")]
                return "KILLED", (failed[0] if failed else out.strip().splitlines()[-1] if out.strip() else "")[:160]
        return "SURVIVED", "every test passed"
    finally:
        shutil.copyfile(backup, path)
        os.remove(backup)
        os.utime(path)  # newer than the mutant's objects: the next build recompiles the original


# The tests that guard each folder, fastest first (a mutant is killed by the first that fails). A file elsewhere
# runs the whole suite.
GUARDS = {
    "core/model": ["tst_keymodel", "tst_routeconfig", "tst_redisglob", "tst_properties", "tst_valueview",
                   "tst_transcripts", "tst_responsecache", "tst_keytreemodel", "tst_invalidation"],
    "core/redis": ["tst_replyreader", "tst_redisglob", "tst_properties", "tst_readonly", "tst_connection",
                   "tst_clusterclient", "tst_tls", "tst_faults"],
    "core/cache": ["tst_responsecache", "tst_valueview", "tst_properties", "tst_transcripts", "tst_nodefleet",
                   "tst_cachemanager", "tst_metrics", "tst_cachesim", "tst_faults"],
    "core/ops": ["tst_transcripts", "tst_ops", "tst_routeconfigstore", "tst_readonly", "tst_invalidation",
                 "tst_cachectl", "tst_faults", "tst_cluster", "tst_misses", "tst_analysis"],
    "core/admin": ["tst_properties", "tst_transcripts", "tst_adminapi", "tst_metrics", "tst_faults"],
    "core/metrics": ["tst_properties", "tst_transcripts", "tst_metrics", "tst_faults"],
    "core/analysis": ["tst_properties", "tst_transcripts", "tst_analysis", "tst_misses", "tst_cachectl", "tst_faults"],
}
ALL_TESTS = ["tst_keymodel", "tst_routeconfig", "tst_redisglob", "tst_replyreader", "tst_properties",
             "tst_connection", "tst_tls", "tst_ops", "tst_responsecache", "tst_valueview", "tst_cachemanager",
             "tst_nodefleet", "tst_invalidation", "tst_routeconfigstore", "tst_readonly", "tst_clusterclient",
             "tst_cluster", "tst_cachectl", "tst_analysis", "tst_misses", "tst_adminapi", "tst_faults", "tst_cachesim",
             "tst_metrics", "tst_keytreemodel", "tst_transcripts"]

SYMMETRIC = {"max", "min", "qMax", "qMin", "hypot", "saturatingAdd"}
RELATIONAL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}


def masked(line):
    """The line with string and character literals blanked and a // comment cut: operators are looked for here,
    and applied at the same positions in the original."""
    out, i, quote = [], 0, None
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                out.append("  ")
                i += 2
                continue
            out.append(" " if c != quote else c)
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            out.append(c)
        elif line.startswith("//", i):
            break
        else:
            out.append(c)
        i += 1
    return "".join(out).ljust(len(line))


def balanced_end(text, open_at):
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def top_level_terms(text, start, end, operator):
    """Positions splitting text[start:end] at `operator` outside parentheses."""
    cuts, depth, i = [], 0, start
    while i < end:
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif depth == 0 and text.startswith(operator, i):
            cuts.append(i)
            i += len(operator)
            continue
        i += 1
    return cuts


DECLARATION = re.compile(r"^\s*(const\s+|static\s+|constexpr\s+)*[\w:<>,*&]+[\s*&]+\w+\s*(=|\{|;|\()")


def line_mutants(path, number, line, previous=""):
    """Every mutant of one line: (operator, description, new line). `previous`: the code line before it."""
    m = masked(line)
    code = m.strip()
    if not code or code.startswith(("#", "//", "*", "/*")):
        return []
    found = []
    for match in re.finditer(r"(?<=\s)(<=|>=|==|!=|<|>)(?=\s)", m):
        op = match.group(1)
        new = line[: match.start()] + RELATIONAL[op] + line[match.end():]
        found.append(("rel", f"'{op}' -> '{RELATIONAL[op]}'", new))
    if re.search(r"(<=|>=|==|!=|\s<\s|\s>\s|constexpr|return )", m):
        for match in re.finditer(r"(?<![\w.])(\d+)(?![\w.'])", m):
            value = int(match.group(1))
            for delta in (1, -1):
                if value + delta < 0:
                    continue
                new = line[: match.start()] + str(value + delta) + line[match.end():]
                found.append(("const", f"{value} -> {value + delta}", new))
    for match in re.finditer(r"\b(if|while) \(", m):
        open_at = match.end() - 1
        close_at = balanced_end(m, open_at)
        if close_at < 0:
            continue
        inner = line[open_at + 1: close_at]
        found.append(("neg", f"{match.group(1)} negated", line[: open_at + 1] + "!(" + inner + ")" + line[close_at:]))
        for operator in (" && ", " || "):
            cuts = top_level_terms(m, open_at + 1, close_at, operator)
            if not cuts:
                continue
            bounds = [open_at + 1] + [c + len(operator) for c in cuts]
            ends = cuts + [close_at]
            for k in range(len(bounds)):
                kept = [line[bounds[j]: ends[j]] for j in range(len(bounds)) if j != k]
                new = line[: open_at + 1] + operator.join(kept) + line[close_at:]
                found.append(("logic", f"term {k + 1} of {operator.strip()} dropped", new))
    # A whole statement on one line (the line before ended one), not a declaration (deleting one does not build).
    starts_statement = not previous or previous.endswith((";", "{", "}", ":"))
    if starts_statement and code.endswith(";") and code.count("(") == code.count(")") \
            and not DECLARATION.match(m) and not code.startswith(("return ", "case ", "default", "}", "break", "continue")):
        indent = line[: len(line) - len(line.lstrip())]
        found.append(("del", "statement deleted", indent + "; // deleted"))
    for match in re.finditer(r"\b(\w+)\((\w[\w.>-]*), (\w[\w.>-]*)\)", m):
        name, a, b = match.group(1), match.group(2), match.group(3)
        # The arguments of a symmetric function give the same value either way: such a swap is equivalent by
        # construction (seeds 4012 and 31207 each drew one), so it is never generated.
        if a != b and name not in SYMMETRIC:
            start = match.start(2)
            new = line[:start] + b + ", " + a + line[match.end(3):]
            found.append(("swap", f"arguments {a}, {b} swapped", new))
    for match in re.finditer(r"(?<=[=({ ])(true|false)(?=[;,)}])", m):
        flipped = "false" if match.group(1) == "true" else "true"
        if re.search(r"(=\s*|\{)$", m[: match.start()].rstrip() + " ") or "=" in m[: match.start()]:
            new = line[: match.start()] + flipped + line[match.end():]
            found.append(("default", f"{match.group(1)} -> {flipped}", new))
    return found


def generated_mutants():
    mutants = []
    for folder in GUARDS:
        directory = os.path.join(ROOT, folder)
        # Folders inside a guarded folder (core/ops has some) are guarded by its tests.
        files = sorted(os.path.relpath(os.path.join(path, name), directory)
                       for path, _, names in os.walk(directory) for name in names)
        for name in files:
            if not name.endswith((".cpp", ".h")):
                continue
            relative = f"{folder}/{name}"
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                lines = f.read().split("\n")
            previous = ""
            for number, line in enumerate(lines, 1):
                mutants_here = line_mutants(relative, number, line, previous)
                code = masked(line).strip()
                if code and not code.startswith(("//", "#", "*", "/*")):
                    previous = code
                for k, (op, what, new) in enumerate(mutants_here):
                    digest = hashlib.sha1(line.strip().encode()).hexdigest()[:10]
                    mutants.append({"key": f"{relative}:{op}:{digest}:{k}", "file": relative, "line": number,
                                    "op": op, "what": what, "old": line, "new": new, "folder": folder})
    return mutants


def reviewed_equivalents():
    path = os.path.join(ROOT, "scripts", "mutants-equivalent.txt")
    keys = set()
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for raw in f:
                entry = raw.split("#", 1)[0].strip()
                if entry:
                    keys.add(entry)
    return keys


def check_generated(m):
    path = os.path.join(ROOT, m["file"])
    with open(path, "rb") as f:
        original = f.read()
    lines = original.decode("utf-8").split("\n")
    if lines[m["line"] - 1] != m["old"]:
        return "NOT APPLIED", "the line changed"
    lines[m["line"] - 1] = m["new"]
    backup = path + ".mutant-backup"
    shutil.copyfile(path, backup)
    try:
        with open(path, "wb") as f:
            f.write("\n".join(lines).encode("utf-8"))
        tests = GUARDS.get(m["folder"], ALL_TESTS)
        code, out = run(["cmake", "--build", ".", "--target", *tests, "--", "-j2"], 1800)
        if code != 0:
            return "STILLBORN", "does not build"
        for test in tests:
            code, out = run([os.path.join(BUILD, "tests", test)], 900)
            if code != 0:
                failed = [l.strip() for l in out.splitlines() if l.startswith("FAIL!")]
                return "KILLED", f"{test}: " + (failed[0] if failed else out.strip().splitlines()[-1] if out.strip()
                                                 else "crashed")[:140]
        return "SURVIVED", "every guarding test passed: " + " ".join(tests)
    finally:
        shutil.copyfile(backup, path)
        os.remove(backup)
        os.utime(path)


def sample(count, seed, list_only):
    mutants = generated_mutants()
    random.Random(seed).shuffle(mutants)
    if list_only:
        for m in mutants:
            print(f"{m['key']}  {m['file']}:{m['line']} {m['op']} {m['what']}")
        print(f"{len(mutants)} mutants")
        return 0
    equivalent = reviewed_equivalents()
    counted, killed, equivalents, start = 0, 0, 0, time.time()
    for m in mutants:
        if counted == count:
            break
        if m["key"] in equivalent:
            verdict, why = "EQUIVALENT", "in scripts/mutants-equivalent.txt"
        else:
            verdict, why = check_generated(m)
        if verdict in ("STILLBORN", "NOT APPLIED"):
            print(f"({verdict.lower()}: {m['file']}:{m['line']} {m['op']} {m['what']}; another is drawn)", flush=True)
            continue
        counted += 1
        killed += verdict == "KILLED"
        equivalents += verdict == "EQUIVALENT"
        print(f"{verdict:10} {m['file']}:{m['line']} {m['op']} {m['what']}  [{m['key']}]\n           {why}",
              flush=True)
    run(["cmake", "--build", "."], 1800)
    scored = counted - equivalents
    print(f"\n{time.time() - start:.0f} s, seed {seed}")
    print(f"killed {killed} of {counted} (equivalent {equivalents}; {100.0 * killed / max(1, scored):.0f} % of the rest)")
    return 0 if killed == scored else 1


def check_list():
    """Every hand-list mutant still applies (its 'from' is in its file exactly once), so an edit of the code it
    mutates cannot leave it silently untested; cheap, run by scripts/test.sh."""
    stale = []
    mutants = parse(os.path.join(ROOT, "scripts", "mutants.txt"))
    for m in mutants:
        with open(os.path.join(ROOT, m["file"]), "rb") as f:
            count = f.read().count(m["from"].encode())
        if count != 1:
            stale.append(f"{m['id']}: 'from' found {count} times in {m['file']}")
    for line in stale:
        print(line)
    print(f"{len(mutants) - len(stale)} of {len(mutants)} hand-list mutants apply")
    return 1 if stale else 0


def main():
    arguments = sys.argv[1:]
    if arguments == ["--check"]:
        return check_list()
    if "--sample" in arguments or "--list" in arguments:
        seed = int(arguments[arguments.index("--seed") + 1]) if "--seed" in arguments else 1
        count = int(arguments[arguments.index("--sample") + 1]) if "--sample" in arguments else 0
        if not os.path.isdir(BUILD) and "--list" not in arguments:
            sys.exit("configure the dev preset first: cmake --preset dev")
        return sample(count, seed, "--list" in arguments)
    mutants = parse(os.path.join(ROOT, "scripts", "mutants.txt"))
    wanted = set(arguments)
    if wanted:
        mutants = [m for m in mutants if m["id"] in wanted]
    if not os.path.isdir(BUILD):
        sys.exit("configure the dev preset first: cmake --preset dev")
    results, start = [], time.time()
    for m in mutants:
        verdict, why = check(m)
        results.append(verdict)
        print(f"{verdict:11} {m['title']}\n            {why}", flush=True)
    killed = results.count("KILLED")
    print(f"\n{killed} of {len(results)} mutants killed ({time.time() - start:.0f} s)")
    # Rebuild the untouched tree so build-dev matches the sources again.
    run(["cmake", "--build", "."], 1800)
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
