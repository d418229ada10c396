"""Prefect stays out of everything but the scaled mode: importing it costs about 1.5 s, and
calling a Prefect flow without a server quietly starts a temporary one. Only
flows/prefect_flows.py imports Prefect, and the rest of the project imports that module only
inside the functions of the scaled-mode commands (parsed, not grepped); `ogi --help` and
`ogi flows --help` run without loading it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("services", "cli", "domain", "flows", "web", "notifications", "formats", "store")
SCALED_MODULE = "flows/prefect_flows.py"


def imports(tree: ast.Module) -> list[tuple[ast.stmt, str, bool]]:
    """(statement, dotted module, at module level?) of every absolute import in a file."""
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node, node.module, id(node) in top))
            found += [(node, f"{node.module}.{a.name}", id(node) in top) for a in node.names]
    return found


def test_only_the_scaled_mode_module_imports_prefect_and_nobody_imports_it_at_load() -> None:
    files = [path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))]
    assert (ROOT / SCALED_MODULE) in files
    offenders = []
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        for node, name, at_top in imports(ast.parse(path.read_text(encoding="utf-8"))):
            if (name == "prefect" or name.startswith("prefect.")) and where != SCALED_MODULE:
                offenders.append(f"{where}:{node.lineno} imports {name}")
            if name.startswith("flows.prefect_flows") and at_top:
                offenders.append(f"{where}:{node.lineno} imports {name} at load time")
    assert offenders == []


def test_the_ogi_command_starts_without_prefect() -> None:
    probe = (
        "import sys\n"
        "import cli.main\n"
        "for argv in (['ogi', '--help'], ['ogi', 'flows', '--help']):\n"
        "    sys.argv = argv\n"
        "    try:\n"
        "        cli.main.main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "sys.stderr.write('loaded:' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "deploy" in done.stdout and "worker" in done.stdout  # `ogi flows --help` lists them
    assert done.stderr.endswith("loaded:"), done.stderr
