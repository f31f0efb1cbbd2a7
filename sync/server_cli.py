"""The ``governance-store`` command (the central store; built out by the sync work)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="governance-store",
        description="Central governance store: receives signed records from supervisors' laptops.",
    )
    parser.parse_args(argv)
    parser.print_help()
    return 0
