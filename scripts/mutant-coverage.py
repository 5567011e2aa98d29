#!/usr/bin/env python3
"""Which generated mutants sit on lines no test executes: the bound on what any sample can kill.

A mutant on a line the suite never runs survives whatever the tests assert. This maps every generated mutant
(scripts/mutants.py's generator, the same keys) onto the line counts of a coverage build, in minutes instead of the
hours a sample takes, and names the files where the unexecuted mutants are.

Usage:
    cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="--coverage -O0" \\
          -DCMAKE_EXE_LINKER_FLAGS=--coverage
    ninja -C build-cov <the tests in mutants.py's ALL_TESTS> cachectl cachesim
    (run those tests from build-cov/tests, as the dev suite does)
    scripts/mutant-coverage.py build-cov [--files N] [--list FILE]

A line counts as executed when any test ran it (the union of the suites; a mutant is then judged by its folder's
guards only, so this bound is loose where a line is run only by another folder's tests). A mutant on a line that
holds no code for gcov (a constant's declaration, a default member value) is "not measured".
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutants  # noqa: E402  (the generator, not a package)


def line_counts(build):
    """{absolute source path: {line: executed count}} over every object of core's libraries."""
    counts = defaultdict(dict)
    notes = [os.path.join(path, name) for path, _, names in os.walk(os.path.join(build, "core"))
             for name in names if name.endswith(".gcda")]
    with tempfile.TemporaryDirectory() as scratch:
        for start in range(0, len(notes), 50):
            subprocess.run(["gcov", "--json-format", *notes[start:start + 50]], cwd=scratch, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name in os.listdir(scratch):
            with gzip.open(os.path.join(scratch, name), "rt") as f:
                report = json.load(f)
            directory = report.get("current_working_directory", "")
            for source in report["files"]:
                path = os.path.normpath(os.path.join(directory, source["file"]))
                for line in source["lines"]:
                    here = counts[path]
                    here[line["line_number"]] = here.get(line["line_number"], 0) + line["count"]
    return counts


def main():
    arguments = sys.argv[1:]
    if not arguments or arguments[0].startswith("-"):
        sys.exit(__doc__)
    build = os.path.abspath(arguments[0])
    top = int(arguments[arguments.index("--files") + 1]) if "--files" in arguments else 15
    listing = arguments[arguments.index("--list") + 1] if "--list" in arguments else None
    counts = line_counts(build)
    if not counts:
        sys.exit(f"no coverage data under {build}/core: run the tests of a --coverage build first")
    equivalent = mutants.reviewed_equivalents()
    verdicts = Counter()
    by_folder = defaultdict(Counter)
    unexecuted_by_file = Counter()
    rows = []
    for m in mutants.generated_mutants():
        if m["key"] in equivalent:
            continue
        lines = counts.get(os.path.join(mutants.ROOT, m["file"]))
        if lines is None or m["line"] not in lines:
            verdict = "not measured"
        elif lines[m["line"]] == 0:
            verdict = "unexecuted"
            unexecuted_by_file[m["file"]] += 1
        else:
            verdict = "executed"
        verdicts[verdict] += 1
        by_folder[m["folder"]][verdict] += 1
        rows.append(f"{verdict:12}  {m['file']}:{m['line']} {m['op']} {m['what']}  [{m['key']}]")
    measured = verdicts["executed"] + verdicts["unexecuted"]
    print(f"{'folder':16} {'mutants':>8} {'unexecuted':>11} {'not measured':>13}")
    for folder in sorted(by_folder):
        c = by_folder[folder]
        total = sum(c.values())
        share = 100.0 * c["unexecuted"] / max(1, c["executed"] + c["unexecuted"])
        print(f"{folder:16} {total:8} {c['unexecuted']:6} ({share:3.0f} %) {c['not measured']:8}")
    print(f"\nfiles with the most unexecuted mutants:")
    for name, n in unexecuted_by_file.most_common(top):
        print(f"  {n:5}  {name}")
    print(f"\n{verdicts['unexecuted']} of {measured} measured mutants are on lines no test executes "
          f"({100.0 * verdicts['unexecuted'] / max(1, measured):.1f} %); {verdicts['not measured']} not measured")
    if listing:
        with open(listing, "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
