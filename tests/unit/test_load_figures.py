"""The arithmetic of the load figures (`python -m bench load`): percentiles are latencies some
request really had, errors count towards throughput and latency, each ratio is against one
process on the same database, and an option's value is never taken for a benchmark's name.
No timing here: the samples are made up."""

from __future__ import annotations

from bench.__main__ import split
from bench.load_bench import Sample, Summary, ratios, summarise, table
from bench.stats import percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1 … 100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
    assert percentile([], 50) == 0.0


def test_errors_count_towards_throughput_and_latency_and_are_broken_down() -> None:
    samples = [
        *[Sample("list", 10.0, 200) for _ in range(6)],
        Sample("intake", 40.0, 201),
        Sample("answer", 50.0, 500),
        Sample("detail", 5.0, 404),
        Sample("intake", 30_000.0, None, "TimeoutError"),
    ]
    summary = summarise("SQLite", 2, samples, seconds=2.0)
    assert summary.requests == 10 and summary.rate == 5.0
    assert summary.error_count == 3
    assert summary.errors == {"HTTP 500": 1, "HTTP 404": 1, "TimeoutError": 1}
    assert summary.p50 == 10.0 and summary.p99 == 30_000.0
    assert summary.read_p95 == 10.0  # reads: six lists and the 404 detail
    assert summary.write_p95 == 30_000.0


def summary(database: str, processes: int, requests: int, failed: str = "") -> Summary:
    return Summary(database, processes, requests, 10.0, 1, 2, 3, 2, 3, failed=failed)


def test_ratios_compare_with_one_process_on_the_same_database() -> None:
    rows = [summary("SQLite", 1, 500), summary("SQLite", 2, 750), summary("PostgreSQL", 2, 900),
            summary("PostgreSQL", 4, 0, failed="did not start")]
    assert ratios(rows) == {("SQLite", 1): 1.0, ("SQLite", 2): 1.5,
                            ("PostgreSQL", 2): None, ("PostgreSQL", 4): None}


def test_table_aligns_chinese_headers_and_names_the_errors() -> None:
    rows = [summary("SQLite", 1, 500), summarise("SQLite", 2, [Sample("list", 1.0, 503)], 1.0),
            summary("PostgreSQL", 4, 0, failed="网页进程退出了")]
    text = table(rows)
    lines = text.splitlines()
    assert "1.00×" in lines[2] and "50.0" in lines[2]
    assert "1 × HTTP 503" in text and "未能测量" in text and "网页进程退出了" in text
    # every row of the table ends in the same terminal column (Chinese characters take two)
    from bench.load_bench import _width

    assert len({_width(line) for line in lines[:5]}) == 1


def test_an_options_value_is_not_a_benchmark_name() -> None:
    assert split(["load", "--processes", "1,2,4", "--only", "sqlite", "--seconds", "20"]) == (
        ["load"], ["--processes", "1,2,4", "--only", "sqlite", "--seconds", "20"])
    assert split(["--quick", "load"]) == (["load"], ["--quick"])
    assert split(["web", "--sqlite-only", "ledger"]) == (["web", "ledger"], ["--sqlite-only"])
    assert split(["nosuch"]) == (["nosuch"], [])
