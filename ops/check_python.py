"""Fail early, and say how to fix it, when an interpreter does not satisfy pyproject.toml's
requires-python. The Makefile runs it with $(PYTHON) before making the venv, and with the venv's
Python before reusing it (a venv made with the wrong Python is then made again).

    python ops/check_python.py [--quiet]

Written for any Python 3 (no tomllib, no walrus): its job is to reject the wrong ones politely.
"""
import operator
import re
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt}


def requires_python(pyproject_text):
    match = re.search(r'^requires-python\s*=\s*"([^"]+)"', pyproject_text, re.M)
    return match.group(1) if match else ""


def satisfies(version, spec):
    """Whether version (a tuple like (3, 11, 7)) meets every clause of spec (">=3.11,<3.12")."""
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        op, number = re.match(r"(>=|<=|==|!=|>|<)\s*([\d.]+)", clause).groups()
        wanted = tuple(int(p) for p in number.split("."))
        if not _OPS[op](tuple(version[:len(wanted)]), wanted):
            return False
    return True


def main(argv):
    spec = requires_python(PYPROJECT.read_text(encoding="utf-8"))
    version = tuple(sys.version_info[:3])
    if satisfies(version, spec):
        return 0
    if "--quiet" not in argv:
        lowest = re.search(r">=\s*([\d.]+)", spec)
        hint = "python" + lowest.group(1) if lowest else "python3"
        sys.stderr.write(
            "claimgrid needs Python %s (pyproject.toml requires-python); %s is Python %s.\n"
            "Point make at a matching interpreter, e.g.:  PYTHON=%s make setup\n"
            % (spec, sys.executable, ".".join(map(str, version)), hint)
        )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
