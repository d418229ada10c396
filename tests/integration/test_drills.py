"""The fault drills of the scaled topology (deploy/drills.py), one test each, run as an
operator runs them: `python -m deploy.drills NAME`. A drill breaks one thing on purpose —
a worker killed mid-sweep, a web process killed under writes, the database gone for 10 s,
two schedulers at once, a restore from backup — and checks that nothing was lost; it exits
non-zero and names the loss otherwise. Each drill's report must also show that it really
did what it says (the sweep was cut mid-way, the runs overlapped, the retry happened).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PG_URL

pytestmark = [pytest.mark.postgres, pytest.mark.prefect]

ROOT = Path(__file__).resolve().parents[2]

#: drill → lines its report must contain (evidence that the fault really happened)
EVIDENCE = {
    "worker-killed": ["强行结束工作进程及其运行进程", "Prefect 的自动化（ogi flows deploy 建立）把它标为 CRASHED", "无重复",
                      "1 条未完成的扫描记录"],
    "web-killed": ["强行结束网页进程", "进程管理器重新拉起了网页进程", "完整案件，编号连续"],
    "database-down": ["扫描进行到一半时数据库中断", "中断时 /healthz 应答 503", "Prefect 共运行 2 次",
                      "同日再次扫描：不再发送"],
    "two-schedulers": ["两次扫描的运行时间有重叠", "无重复", "每个机关的每位主管各一条"],
    "restore": ["pg_restore 到空库", "报告与原库逐字相同", "行数与原库相同"],
}


@pytest.mark.parametrize("drill", list(EVIDENCE))
def test_drill_loses_nothing(drill: str) -> None:
    env = {**os.environ, "OGI_TEST_PG_URL": PG_URL}
    done = subprocess.run([sys.executable, "-m", "deploy.drills", drill], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "丢失或出错：无" in output and "✗" not in output, output
    for evidence in EVIDENCE[drill]:
        assert evidence in output, f"{drill}: no evidence of “{evidence}”\n{output}"
