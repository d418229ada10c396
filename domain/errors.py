"""One error tree for the whole engine: what went wrong, in Chinese, with the field and the rule.

Every refusal the engine gives a person is a `DomainError` (or a subclass): `message` is the
Chinese sentence people read, `field` names the input field or event that broke the rule,
`rule` names the rule (an article, or a short Chinese phrase). The subclass says what kind of
refusal it is, and `ERROR_STATUS` maps that kind to the command's exit code and the HTTP
status, so the CLI and the web app answer the same failure the same way.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple


class DomainError(ValueError):
    """A rule of RULES.md refused an action; nothing was written.

    Callers show `message` as it is; `field` and `rule` let a form put the message next to the
    right input and let a script tell failures apart.
    """

    code: ClassVar[str] = "rule"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, str | None]:
        """The `{"code", "field", "message"}` body of an API error (RULES §5)."""
        return {"code": self.code, "field": self.field, "message": self.message}


class UsageError(DomainError):
    """The request itself is malformed: a missing option, an unreadable file, a bad value."""

    code = "usage"


class NotFoundError(DomainError):
    """The named agency, user or case does not exist (or is outside the actor's agencies)."""

    code = "not_found"


class ConflictError(DomainError):
    """Someone else changed the thing first; nothing was written, reload and try again."""

    code = "conflict"


class LockedYearError(DomainError):
    """The change would alter the figures of a locked (published) year."""

    code = "locked_year"


class ForbiddenError(DomainError):
    """The actor's role may not take this action (RULES §7)."""

    code = "forbidden"


class UnauthenticatedError(DomainError):
    """No valid sign-in or token."""

    code = "unauthenticated"


class CsrfError(DomainError):
    """A web form arrived without the session's CSRF token (forged, or the page is stale)."""

    code = "csrf"

    def __init__(self) -> None:
        super().__init__(
            "表单已过期或来源不明（缺少CSRF令牌），请刷新页面后重试", field="csrf_token", rule="CSRF"
        )


class DatabaseUnavailableError(DomainError):
    """The database cannot be reached, does not exist, or is not initialised."""

    code = "database"


class ErrorStatus(NamedTuple):
    exit_code: int
    http_status: int


#: The one table from an error's kind to the CLI exit code and the HTTP status.
ERROR_STATUS: dict[str, ErrorStatus] = {
    DomainError.code: ErrorStatus(1, 422),
    UsageError.code: ErrorStatus(2, 422),
    NotFoundError.code: ErrorStatus(3, 404),
    ConflictError.code: ErrorStatus(4, 409),
    LockedYearError.code: ErrorStatus(5, 409),
    DatabaseUnavailableError.code: ErrorStatus(6, 503),
    ForbiddenError.code: ErrorStatus(7, 403),
    UnauthenticatedError.code: ErrorStatus(7, 401),
    CsrfError.code: ErrorStatus(7, 403),
}


def status_of(error: DomainError) -> ErrorStatus:
    """Exit code and HTTP status of an error (its kind's row of `ERROR_STATUS`)."""
    return ERROR_STATUS[error.code]
