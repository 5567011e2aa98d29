#!/usr/bin/env python3
"""Mutation check of CacheScope's safety-critical decisions (see scripts/mutants.txt).

Each mutant is one realistic bug: a text replacement in one file. For each, this script applies it, rebuilds the
tests that guard that decision (in build-dev), runs them, restores the file byte for byte, and records whether the
tests caught it. Prints one line per mutant and the score; exits 1 when a mutant survived or could not be applied.

Usage: scripts/mutants.sh [ID ...]   (all mutants when no id is given)
"""
import os
import shutil
import subprocess
import sys
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
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CACHESCOPE_SOURCE_DIR=ROOT)
    try:
        p = subprocess.run(command, cwd=BUILD, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "timed out"


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


def main():
    mutants = parse(os.path.join(ROOT, "scripts", "mutants.txt"))
    wanted = set(sys.argv[1:])
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
