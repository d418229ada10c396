"""`python -m bench [NAME ...] [--quick] [--cases N] [--only sqlite|postgres]`: run the named
benchmarks, or all registered ones; the options go to every benchmark that takes them."""

from __future__ import annotations

import importlib
import sys

#: name → (module, function): the function takes the options, prints its results and returns
#: an exit status. Imported only when run, so one benchmark's imports never stop another.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "calendar": ("bench.calendar_bench", "run_with"),
    "dispatch": ("bench.dispatch_bench", "run"),
    "ledger": ("bench.bulk_bench", "ledger"),
    "recompute": ("bench.bulk_bench", "recompute"),
    "report": ("bench.report_bench", "run"),
    "store": ("bench.store_bench", "run"),
    "sweep": ("bench.sweep_bench", "run"),
    "web": ("bench.web_bench", "run"),
}


def main(argv: list[str]) -> int:
    names = [arg for arg in argv if not arg.startswith("-") and not arg.isdigit()]
    names = [name for name in names if name not in {"sqlite", "postgres"}]
    options = [arg for arg in argv if arg not in names]
    names = names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names:
        module, function = BENCHMARKS[name]
        status = max(status, getattr(importlib.import_module(module), function)(options))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
