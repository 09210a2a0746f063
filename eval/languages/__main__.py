"""``python -m eval.languages [CODE ...]``: the capability table for this machine.

The first code is the reference language, the others are versions; with no code, the DGSN languages.
A bad code is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from eval.languages.capabilities import capability_table, format_table
from eval.languages.codes import normalize_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.languages", description=__doc__)
    parser.add_argument("codes", nargs="*", default=["fr", "es", "en", "it", "ar"], help="BCP-47 codes")
    parser.add_argument("--apertium-bin", default="apertium")
    args = parser.parse_args(argv)
    from eval.cli import run_tool

    def task() -> int:
        codes = [normalize_code(code, "command line") for code in args.codes]
        print(format_table(capability_table(codes, args.apertium_bin)))
        return 0

    return run_tool(task)


if __name__ == "__main__":
    sys.exit(main())
