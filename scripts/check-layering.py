#!/usr/bin/env python3
"""The folders depend one way only (HACKING.md, "Layout"): every #include "folder/…" of a source file must name a
folder its own folder may use. Prints each include that breaks the rule and exits 1; run by CTest (layering).

core/model is also a target of its own linking Qt6::Core alone, so the compiler holds it to that; this check covers
the direction between the other folders, which one library cannot."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CORE = ["model", "redis", "ops", "cache", "metrics", "admin", "analysis", "profiles"]
UI = ["charts", "keychain", "itemmodels", "widgets", "dialogs"]
# folder -> the folders it may include from (besides itself)
ALLOWED = {
    "core/model": set(),
    "core/redis": {"model"},
    "core/ops": {"model", "redis"},
    "core/cache": {"model", "redis", "ops"},
    "core/metrics": {"model", "redis", "ops", "cache", "analysis"},
    "core/admin": {"model", "redis", "ops", "cache", "metrics"},
    "core/analysis": {"model", "redis", "ops", "cache"},
    "core/profiles": {"model", "redis"},
    "ui/charts": set(),
    "ui/keychain": set(),
    "ui/itemmodels": set(CORE),
    "ui/widgets": set(CORE) | {"charts", "itemmodels"},
    "ui/dialogs": set(CORE) | {"charts", "itemmodels", "keychain", "widgets"},
    "ui": set(CORE) | set(UI),  # the main window
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z]+)/')


def main():
    broken = []
    for folder, allowed in ALLOWED.items():
        directory = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".h", ".cpp")):
                continue
            own = folder.split("/")[-1]
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    used = match.group(1)
                    known = used in CORE or used in UI
                    if known and used != own and used not in allowed:
                        broken.append(f"{folder}/{name}:{number}: {folder} may not include {used}/ ({line.strip()})")
    for line in broken:
        print(line)
    print(f"layering: {len(broken)} include(s) against the direction" if broken else "layering: every include goes one way")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
