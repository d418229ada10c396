"""The README's walk-through runs as written, command by command, on SQLite and PostgreSQL.

Each `ogi …` line of the "Using it" block is run in a fresh working directory that has the
repository's `seeds/` (the sample files the README names) beside it; every command must
succeed. Today is pinned (OGI_TODAY) as in the rest of the suite.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

REPO = Path(__file__).resolve().parents[2]


def readme_commands() -> list[list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Using it") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "README: no bash block under 'Using it'"
    joined = block.group(1).replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "ogi", line
            commands.append(words[1:])
    return commands


def test_the_readme_names_only_files_that_ship() -> None:
    for words in readme_commands():
        for word in words:
            if word.startswith("seeds/"):
                assert (REPO / word).is_file(), word


def test_the_readme_walkthrough_runs(
    ogi: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.symlink(REPO / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert len(commands) > 20
    for words in commands:
        result = ogi(*words)
        assert result.code == 0, f"ogi {shlex.join(words)}\n{result.err}"
    assert (tmp_path / "补正告知书.docx").stat().st_size > 0
    assert (tmp_path / "年度报告-2025.docx").stat().st_size > 0
    assert (tmp_path / "案件.csv").read_text(encoding="utf-8-sig").startswith("申请编号,")
