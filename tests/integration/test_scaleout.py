"""The scaled topology as operators run it: `deploy/smoke`, the one command CI runs, on fresh
PostgreSQL databases with a real Prefect server and worker and two web processes.

The smoke run makes its own checks (see deploy/smoke.py) and exits non-zero when one fails;
this test runs the command exactly as an operator would and requires that every check was
made and passed, and that nothing it started is left behind: no process, no database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from conftest import PG_URL

pytestmark = [pytest.mark.postgres, pytest.mark.prefect]

ROOT = Path(__file__).resolve().parents[2]
SMOKE_CHECKS = [
    "每个登记请求都成功（201）",
    "案件编号唯一且连续",
    "同一 Idempotency-Key 重试只建一件",
    "第二次扫描不再发送",
    "第二次投递不再投递",
    "答复提醒在发件箱中恰有一条",
    "每份邮件摘要投递一次且成功",
    "群机器人每条投递收到一次",
    "发件箱中每条案件消息在收件人的邮件中恰好出现一次",
    "年度报告（本行政区域）各项校验通过",
    "报告计入每一件案件",
    "网页服务有 2 个工作进程",
]


def databases(prefix: str) -> set[str]:
    with psycopg.connect(PG_URL) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{prefix}%",)
        ).fetchall()
    return {row[0] for row in rows}


def test_deploy_smoke_passes_and_leaves_nothing_behind(tmp_path: Path) -> None:
    before = databases("ogi_smoke_") | databases("prefect_smoke_")
    env = {**os.environ, "PYTHON": sys.executable, "OGI_TEST_PG_URL": PG_URL}
    done = subprocess.run(
        ["bash", "deploy/smoke", "--workdir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for check in SMOKE_CHECKS:
        assert any(check in line and "✓" in line for line in output.splitlines()), (
            f"check not made or not passed: {check}\n{output}"
        )
    assert "✗" not in output and "Traceback" not in output, output
    assert "20 个客户端并发登记 500 件申请" in output, output
    # teardown by process id: every process the run started is gone, and its databases
    started = [int(word.rstrip("）")) for line in output.splitlines() if "已停止" in line
               for word in line.split("进程 ")[1:]]
    assert len(started) == 3, output  # web, worker, Prefect server
    for pid in started:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
            f"/proc/{pid}/status").read_text(), f"process {pid} still running"
    assert databases("ogi_smoke_") | databases("prefect_smoke_") == before
