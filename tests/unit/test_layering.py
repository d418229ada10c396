"""Nothing outside `store/` talks to the database directly (DESIGN: "Nothing outside `store/`
imports SQLAlchemy"): every import statement of the upper layers is parsed, not grepped."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("services", "cli", "domain", "flows", "web", "notifications", "formats")
FORBIDDEN = ("sqlalchemy", "store.models")


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted module) of every import, `from x import y` giving both x and x.y."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def forbidden_imports(source: str) -> list[tuple[int, str]]:
    return [
        (line, name)
        for line, name in imported_modules(ast.parse(source))
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]


def test_the_check_sees_every_form_of_import() -> None:
    source = (
        "import sqlalchemy\n"
        "import sqlalchemy.orm as orm\n"
        "from sqlalchemy import select\n"
        "from store import models\n"
        "from store.models import CaseRow\n"
        "def f():\n    import sqlalchemy.exc\n"
        "from store.uow import SqlUnitOfWork\n"
        "x = 'import sqlalchemy'\n"
    )
    assert sorted({line for line, _ in forbidden_imports(source)}) == [1, 2, 3, 4, 5, 7]


def test_upper_layers_do_not_import_sqlalchemy_or_the_models() -> None:
    files = [path for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))]
    assert len(files) > 20  # the layers are where this test thinks they are
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in forbidden_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
