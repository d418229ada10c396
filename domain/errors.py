"""Domain errors: a rule refused an action, with a message people can act on."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule of RULES.md refused an action.

    `field` names the input field or the event that broke the rule, `rule` names the rule
    (an article or a short Chinese phrase), and the message is Chinese for people. Callers
    show the message as it is and write nothing.
    """

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def __str__(self) -> str:
        return self.message
