"""Latency figures the benchmarks print, one definition for all of them."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q ≤ 100) of values sorted ascending: a latency some
    request really had, never an interpolation between two; 0.0 for no values."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n·q/100), at least the first
    return ordered[int(min(rank, len(ordered))) - 1]
