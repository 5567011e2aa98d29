#!/bin/sh
# Writes a tool's manual page from its own --help and --version (help2man), with the sections of
# packaging/man/TOOL.h2m; for cachectl also one subsection per command, from `cachectl COMMAND --help`.
# Usage: manpage.sh BUILT_PROGRAM SOURCE_DIR OUTPUT (gzip -9n, as Debian wants).
set -eu
program=$1
source=$2
output=$3
name=$(basename "$program")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Run by name, so "Usage:" shows the name and not the build path.
ln -s "$(realpath "$program")" "$work/$name"
export PATH="$work:$PATH" QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work"
cp "$source/$name.h2m" "$work/include.h2m"
if [ "$name" = cachectl ]; then
    printf '[COMMANDS]\n' >>"$work/include.h2m"
    for command in $("$name" --help | sed -n '/^Commands/,/^$/p' | awk '/^  [a-z]/ { print $1 }'); do
        printf '.SS %s\n' "$command" >>"$work/include.h2m"
        # The description, then the options; roff escapes for backslashes and lines starting with a dot.
        "$name" "$command" --help | sed -e '1d' -e '/^Arguments:/,$d' -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/" \
            -e 's/^Options:$/.PP\nOptions:/' | sed -e '1i .nf' -e '$a .fi' >>"$work/include.h2m"
    done
fi
help2man --no-info --no-discard-stderr --section 1 --include "$work/include.h2m" --output "$work/$name.1" "$name"
gzip -9n -c "$work/$name.1" >"$output"
