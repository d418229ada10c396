"""Errors the services raise besides `DomainError`; all carry a Chinese message for people."""

from __future__ import annotations

from domain.errors import DomainError


class NotFoundError(DomainError):
    """The named agency, user or case does not exist."""


class ConflictError(DomainError):
    """Someone else changed the case first; nothing was written, reload and try again."""


class LockedYearError(DomainError):
    """The change would alter the figures of a locked year."""
