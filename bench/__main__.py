"""`python -m bench [NAME ...]`: run the named benchmarks, or all registered ones."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import calendar_bench, report_bench, store_bench, sweep_bench, web_bench

#: name → function that prints its results and returns an exit status (0 = fine).
BENCHMARKS: dict[str, Callable[[], int]] = {
    "calendar": calendar_bench.run,
    "report": report_bench.run,
    "store": store_bench.run,
    "web": web_bench.run,
    "sweep": sweep_bench.run,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names:
        status = max(status, BENCHMARKS[name]())
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
