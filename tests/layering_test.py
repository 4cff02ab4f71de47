#!/usr/bin/python3
"""The layering test: the build refuses an upward include.

Each area of src/ compiles against a view of the include root that holds only
its own headers and those of the areas below it (cmake/TradingdAreas.cmake).
This test checks, for every area:

1. that the view the build made grants exactly what docs/architecture.md's
   "Layers" table allows: widening an area's DEPS in CMake without changing
   the documented architecture fails here, and so does the reverse;
2. that every header the area may use preprocesses with the area's own
   compile flags (so no header below reaches upward either);
3. that a header of every other area is a missing file with those flags:
   `sniper` including "tradingd/api/control_api.hpp" fails to compile;
4. that no source or header gets around the views with a relative include.

Run by ctest as "unit: layering" with the build directory that holds
compile_commands.json.
"""

import argparse
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

ALLOWED = {}  # area -> the areas it may include directly: docs/architecture.md's "Layers" table


def read_layers(path):
    """The table under "## Layers" in docs/architecture.md: | `area` | `dep`, `dep` |."""
    text = path.read_text(encoding="utf-8")
    section = text.split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for m in re.finditer(r"^\| `([a-z_]+)` \| ([^|]*)\|\s*$", section, re.M):
        layers[m.group(1)] = re.findall(r"`([a-z_]+)`", m.group(2))
    if not layers:
        raise SystemExit(f"layering: no layer table under '## Layers' in {path}")
    return layers


def closure(area):
    seen = {area}
    stack = list(ALLOWED[area])
    while stack:
        a = stack.pop()
        if a not in seen:
            seen.add(a)
            stack.extend(ALLOWED.get(a, []))
    return seen


def area_flags(commands, source_dir, area):
    """The compiler and the flags that matter to the preprocessor, taken from
    the compile command of one of the area's own sources."""
    prefix = str(source_dir / "src" / area) + os.sep
    for entry in commands:
        if not entry["file"].startswith(prefix):
            continue
        args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
        kept = [args[0]]
        i = 1
        while i < len(args):
            a = args[i]
            if a in ("-isystem", "-I", "-D", "-include"):
                kept += [a, args[i + 1]]
                i += 2
                continue
            if a.startswith(("-I", "-D", "-std=", "-isystem")):
                kept.append(a)
            i += 1
        return kept
    raise SystemExit(f"layering: no compile command for a source in src/{area}/ in compile_commands.json")


def preprocess(flags, text):
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        r = subprocess.run(flags + ["-E", "-o", os.devnull, path], capture_output=True, text=True)
        return r.returncode, r.stderr
    finally:
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True, type=pathlib.Path)
    ap.add_argument("--build", required=True, type=pathlib.Path)
    opts = ap.parse_args()
    source_dir = opts.source.resolve()
    include_root = source_dir / "include" / "tradingd"
    commands = json.loads((opts.build / "compile_commands.json").read_text())
    ALLOWED.update(read_layers(source_dir / "docs" / "architecture.md"))
    areas = sorted(p.name for p in include_root.iterdir() if p.is_dir())
    failures = []

    if sorted(ALLOWED) != areas:
        failures.append(f"include/tradingd/ holds the areas {areas}; the architecture table names {sorted(ALLOWED)}")

    headers = {a: sorted(p.name for p in (include_root / a).glob("*.hpp")) for a in areas}
    checks = 0
    for area in sorted(ALLOWED):
        view = opts.build / "areas" / area / "tradingd"
        granted = {p.name for p in view.iterdir()} if view.is_dir() else set()
        allowed = closure(area)
        if granted != allowed:
            failures.append(
                f"{area}: the build lets it see {sorted(granted)}; docs/architecture.md allows {sorted(allowed)}")
            continue
        flags = area_flags(commands, source_dir, area)

        # Everything it may use, at once: a header below that reaches upward fails here.
        text = "".join(f'#include "tradingd/{a}/{h}"\n' for a in sorted(allowed) for h in headers[a])
        rc, err = preprocess(flags, text)
        checks += 1
        if rc != 0:
            failures.append(f"{area}: the headers it may use do not preprocess with its flags:\n{err[:2000]}")

        # One header of each area it may not use: refused, as "No such file".
        for other in areas:
            if other in allowed or not headers[other]:
                continue
            rc, err = preprocess(flags, f'#include "tradingd/{other}/{headers[other][0]}"\n')
            checks += 1
            if rc == 0:
                failures.append(f"{area}: including tradingd/{other}/{headers[other][0]} compiled; it must not")
            elif "No such file" not in err and "file not found" not in err:  # GCC's words, Clang's
                failures.append(f"{area}: including tradingd/{other}/ failed, but not as a missing file:\n{err[:1000]}")

    # The views hold only for includes that go through them.
    relative = re.compile(r'^\s*#\s*include\s*["<](\.\./|/)', re.M)
    for root in ("src", "include"):
        for path in sorted((source_dir / root).rglob("*.[ch]pp")):
            for m in relative.finditer(path.read_text(encoding="utf-8")):
                line = path.read_text(encoding="utf-8").count("\n", 0, m.start()) + 1
                failures.append(f"{path.relative_to(source_dir)}:{line}: a relative or absolute include goes around the area views")

    for f in failures:
        print("FAIL:", f)
    print(f"layering: {len(ALLOWED)} areas, {checks} compiler checks, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
