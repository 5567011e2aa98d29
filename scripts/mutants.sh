#!/usr/bin/env bash
# Mutation check of the safety-critical decisions listed in scripts/mutants.txt: each mutant applied alone, the
# tests guarding it rebuilt and run, the file restored. Not part of CI (it rebuilds once per mutant); run it
# before landing a change to a safety-critical decision, and add that decision's mutant to the list.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/mutants.py "$@"
