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
UI = ["charts", "keychain", "itemmodels", "feeds", "widgets", "dialogs"]
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
    "ui/feeds": set(CORE) | {"itemmodels"},
    "ui/widgets": set(CORE) | {"charts", "itemmodels", "feeds"},
    "ui/dialogs": set(CORE) | {"charts", "itemmodels", "feeds", "keychain", "widgets"},
    "ui": set(CORE) | set(UI),  # the main window
}
# Inside core/ops, each folder -> the ops folders it may include from (besides itself): one way too.
OPS_ALLOWED = {
    "audit": set(),
    "routes": {"audit"},
    "server": {"audit"},
    "keys": {"server"},
    "invalidation": {"audit", "routes"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z]+)/(?:([a-z]+)/)?')


def main():
    broken = []
    for folder, allowed in ALLOWED.items():
        directory = os.path.join(ROOT, folder)
        # ui holds the main window and the other ui folders, each checked on its own; core/ops has folders of its own.
        walked = os.walk(directory) if folder == "core/ops" else [(directory, [], os.listdir(directory))]
        for path, _, names in walked:
            sub = os.path.relpath(path, directory)
            if folder == "core/ops" and sub != "." and sub not in OPS_ALLOWED:
                broken.append(f"{folder}/{sub}: a folder the layering does not know (add it to OPS_ALLOWED)")
            for name in sorted(names):
                if not name.endswith((".h", ".cpp")):
                    continue
                own = folder.split("/")[-1]
                where = os.path.normpath(os.path.join(folder, sub, name))
                with open(os.path.join(path, name), encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        match = INCLUDE.match(line)
                        if not match:
                            continue
                        used, used_sub = match.group(1), match.group(2)
                        known = used in CORE or used in UI
                        if known and used != own and used not in allowed:
                            broken.append(f"{where}:{number}: {folder} may not include {used}/ ({line.strip()})")
                        elif folder == "core/ops" and used == "ops" and used_sub and used_sub != sub \
                                and used_sub not in OPS_ALLOWED.get(sub, set()):
                            broken.append(f"{where}:{number}: ops/{sub} may not include ops/{used_sub}/ "
                                          f"({line.strip()})")
    for line in broken:
        print(line)
    print(f"layering: {len(broken)} include(s) against the direction" if broken else "layering: every include goes one way")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
