from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Redaction:
    """Something the user may know exists but not see, and what they see instead."""

    field: str
    replacement: str
    reason: str


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", always with a reason a user can read."""

    allowed: bool
    reason: str
    redactions: tuple[Redaction, ...] = ()

    @classmethod
    def allow(cls, reason: str) -> Decision:
        return cls(True, reason)

    @classmethod
    def refuse(cls, reason: str) -> Decision:
        return cls(False, reason)

    @classmethod
    def allow_with_redactions(cls, reason: str, redactions: tuple[Redaction, ...]) -> Decision:
        return cls(True, reason, redactions)

    @property
    def is_redacted(self) -> bool:
        return bool(self.redactions)

    @property
    def shows_in_full(self) -> bool:
        """Only an allowing decision without redactions shows everything; a refusal hides
        as much as a redaction does (fail closed when a caller asks only "redacted?")."""
        return self.allowed and not self.redactions
