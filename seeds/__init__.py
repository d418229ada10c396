"""What a new installation starts with: calendar errata, templates, sample files.

Seed data is read through these helpers so that callers never build paths into the package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parent


def errata_items() -> list[dict[str, Any]]:
    """The known errors of the bundled calendar package (`calendar/errata.json`)."""
    return json.loads((SEEDS / "calendar" / "errata.json").read_text(encoding="utf-8"))
