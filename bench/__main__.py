"""`python -m bench [NAME ...] [--quick] [--cases N] [--only sqlite|postgres]`: run the named
benchmarks, or all registered ones; the options go to every benchmark that takes them
(`python -m bench load --seconds 20 --processes 1,2,4` for the load figures)."""

from __future__ import annotations

import importlib
import sys

#: name → (module, function): the function takes the options, prints its results and returns
#: an exit status. Imported only when run, so one benchmark's imports never stop another.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "calendar": ("bench.calendar_bench", "run_with"),
    "dispatch": ("bench.dispatch_bench", "run"),
    "ledger": ("bench.bulk_bench", "ledger"),
    "load": ("bench.load_bench", "run"),
    "recompute": ("bench.bulk_bench", "recompute"),
    "report": ("bench.report_bench", "run"),
    "store": ("bench.store_bench", "run"),
    "sweep": ("bench.sweep_bench", "run"),
    "web": ("bench.web_bench", "run"),
}


def split(argv: list[str]) -> tuple[list[str], list[str]]:
    """(benchmark names, options): a bare word is a name unless it is the value of the option
    before it (`--processes 1,2,4`, `--only sqlite`, `--cases 500`); a known name is always one,
    so `--quick load` still runs `load`."""
    names: list[str] = []
    options: list[str] = []
    for index, arg in enumerate(argv):
        after_option = index > 0 and argv[index - 1].startswith("--") and "=" not in argv[index - 1]
        if arg in BENCHMARKS or not (arg.startswith("-") or after_option or arg.isdigit()):
            names.append(arg)
        else:
            options.append(arg)
    return names, options


def main(argv: list[str]) -> int:
    names, options = split(argv)
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
