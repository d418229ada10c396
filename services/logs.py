"""Logs of the web app, the scheduler and the flows: one line per record on stderr, as text
for a person at a console or as JSON for a log collector (`OGI_LOG_FORMAT=text|json`).

Every record passes `MaskIdFilter` on its way out: an 18-character 居民身份证号码 or
统一社会信用代码 anywhere in the message, in a field given with `extra=` or in an exception's
text is written as `domain.identity.mask_id` shows it (RULES §7: logs show ID numbers masked).
The filter sits on the handler, so it also covers what libraries log (uvicorn, APScheduler,
SQLAlchemy errors quoting their parameters).

`OGI_LOG_LEVEL` (DEBUG, INFO, WARNING, ERROR) overrides the level an entry point asks for.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

from domain.errors import UsageError
from domain.identity import infer_id_kind, mask_id

LOG_FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

#: 18 letters or digits standing on their own: the length of both kinds of number. Which of
#: them are ID numbers is decided by `domain.identity.infer_id_kind` (the shape of each kind).
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")

#: The attributes every LogRecord has; anything else on a record came from `extra=`
#: (uvicorn's `color_message` is its message with terminal colours: not a field).
_STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName", "color_message"}

#: Libraries that narrate routine work at INFO (every job added and run, every migration
#: context): shown from WARNING unless OGI_LOG_LEVEL=DEBUG. The flows log their own runs.
_CHATTY = ("apscheduler", "alembic")


def mask_ids(text: str) -> str:
    """`text` with every 18-character resident ID or credit code masked (RULES §7)."""
    if len(text) < 18:
        return text
    return _CANDIDATE.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    number = match.group(0)
    return number if infer_id_kind(number) == "other" else mask_id(number)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, Mapping):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_masked(v) for v in value)
    return value


class MaskIdFilter(logging.Filter):
    """Masks ID numbers in a record's message, its `extra` fields and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log what there is rather than nothing
            message = str(record.msg)
        record.msg, record.args = mask_ids(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, _masked(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_ids(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, then the record's
    `extra` fields (for requests: method, path, status, duration_ms, user)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ).replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (tests and consoles swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def log_format(env: Mapping[str, str] | None = None) -> str:
    """`OGI_LOG_FORMAT`: text (the default) or json."""
    env = os.environ if env is None else env
    value = env.get("OGI_LOG_FORMAT", "").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise UsageError(
            f"环境变量 OGI_LOG_FORMAT 应为 text 或 json，实为“{value}”",
            field="OGI_LOG_FORMAT",
            rule="日志格式",
        )
    return value


def _level(env: Mapping[str, str], default: str) -> str:
    value = env.get("OGI_LOG_LEVEL", "").strip().upper() or default
    if value not in LEVELS:
        raise UsageError(
            f"环境变量 OGI_LOG_LEVEL 应为 {'、'.join(LEVELS)} 之一，实为“{value}”",
            field="OGI_LOG_LEVEL",
            rule="日志级别",
        )
    return value


def configure_logging(env: Mapping[str, str] | None = None, *, level: str = "INFO") -> None:
    """Send every log record to stderr through the ID-masking filter, in the configured
    format. Safe to call again (the handler is replaced, others are left alone)."""
    env = os.environ if env is None else env
    handler = StderrHandler()
    handler.set_name("ogi")
    handler.addFilter(MaskIdFilter())
    handler.setFormatter(JsonFormatter() if log_format(env) == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "ogi"]:
        root.removeHandler(old)
    root.addHandler(handler)
    chosen = _level(env, level)
    root.setLevel(chosen)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if chosen == "DEBUG" else logging.WARNING)
