#!/usr/bin/python3
"""A manual page (roff, gzipped -9n) from a program's own --help, so that the page never
disagrees with the program: NAME, SYNOPSIS and OPTIONS are its --help text as printed,
SEE ALSO points at the installed docs. Run by the build (CMakeLists.txt: man pages).

    help_to_man.py NAME SUMMARY VERSION OUT.1.gz -- COMMAND...
"""
import gzip
import subprocess
import sys

name, summary, version, out = sys.argv[1:5]
command = sys.argv[sys.argv.index("--") + 1:]
text = subprocess.run(command + ["--help"], check=True, capture_output=True, text=True).stdout


def roff(line):
    line = line.replace("\\", "\\e")
    return ("\\&" + line) if line.startswith((".", "'")) else line


page = [
    f'.TH {name.upper()} 1 "" "{name} {version}" "User Commands"',
    ".SH NAME",
    f"{name} \\- {summary}",
    ".SH SYNOPSIS AND OPTIONS",
    f"What \\fB{name} \\-\\-help\\fR prints:",
    ".PP",
    ".nf",
    *[roff(line) for line in text.rstrip("\n").split("\n")],
    ".fi",
    ".SH SEE ALSO",
    "/usr/share/doc/tradingd/README.md, /usr/share/doc/tradingd/docs/operations.md and the other documents there.",
    "",
]
with open(out, "wb") as f:
    # mtime 0 and no name: the same bytes every build (what gzip -9n does).
    with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as z:
        z.write("\n".join(page).encode())
