"""Bootstrap for the two Quick start commands: `python3 tasks.py serve` and `python3 tasks.py test`.

Needs only Python ≥ 3.11 and the package index: it creates `.venv` on first use, installs the
pinned dependencies (again whenever pyproject.toml changes), then runs the command inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".ogi-installed"

COMMANDS = {
    "serve": [str(BIN / "ogi"), "serve", "--demo"],
    "demo": [str(BIN / "ogi"), "demo"],
    "test": [str(BIN / "python"), "-m", "pytest", "-n", "2"],
    "bench": [str(BIN / "python"), "-m", "bench"],
    "lint": [str(BIN / "ruff"), "check", "."],
}


def ensure_environment() -> None:
    """Create the virtual environment and install the project when missing or stale."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may be started by an older python3
        sys.exit("需要 Python 3.11 或更高版本 (Python >= 3.11 is required)")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("创建虚拟环境 .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    python = str(BIN / "python")
    print("安装依赖 …", flush=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"用法: python3 tasks.py {{{'|'.join(COMMANDS)}}} [参数…]")
        return 2
    ensure_environment()
    return subprocess.call([*COMMANDS[argv[0]], *argv[1:]], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
