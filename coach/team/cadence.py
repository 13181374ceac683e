"""Cadence per prospect: which voicemail this is, from the ones actually left.

A take scored with ``--sent`` is logged against its prospect.  The next take
for that prospect is then judged as the next touch (#2 after one sent, #4 —
one too many — after three) and the gap since the previous one is checked
against the field's 4–7 days.  Gaps are whole calendar days (UTC): a
voicemail left Monday and one on Friday are four days apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from coach.errors import CoachError
from coach.team import schema

if TYPE_CHECKING:
    from coach.context import Context


def parse_when(text: str) -> datetime:
    """``2026-11-20`` (noon UTC that day) or a full ISO time -> an aware UTC datetime.

    Raises
    ------
    CoachError
        Not a date.
    """
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time(12), UTC)
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CoachError(f"--sent-on {text!r} is not a date — e.g. 2026-11-20") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not schema.in_range(parsed):
        raise CoachError(
            f"--sent-on {text!r} is outside {schema.EARLIEST.year}–{schema.LATEST.year}"
        )
    return parsed


def iso(when: datetime) -> str:
    """The store's time format: ``2026-11-20T12:00:00Z``."""
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Cadence:
    """The voicemails actually left for one prospect, oldest first."""

    prospect: str
    sent: tuple[datetime, ...]

    @classmethod
    def of(cls, prospect: str, sent_at: list[str]) -> Cadence:
        return cls(prospect, tuple(sorted(parse_when(s) for s in sent_at)))

    @property
    def next_touch(self) -> int:
        return len(self.sent) + 1

    def days_since_last(self, when: datetime) -> int | None:
        """Calendar days from the last voicemail left to ``when``; ``None`` before the first."""
        if not self.sent:
            return None
        return (when.astimezone(UTC).date() - self.sent[-1].astimezone(UTC).date()).days

    def apply(self, context: Context, *, when: datetime, touch_given: bool) -> Context:
        """The context judged with this history: the inferred touch (unless one was
        given) and the gap since the last voicemail."""
        if not self.sent:
            return context
        touch = context.touch if touch_given else self.next_touch
        gap = self.days_since_last(when)
        return replace(context, touch=touch, days_since_previous=None if gap is None else gap)

    def describe(self, when: datetime) -> str:
        """One line for the rep: how many were left and when the last one was."""
        if not self.sent:
            return f"No voicemail to {self.prospect} on record yet: this would be #1."
        last = self.sent[-1].astimezone(UTC).date().isoformat()
        days = self.days_since_last(when)
        plural = "s" if len(self.sent) != 1 else ""
        return (
            f"{len(self.sent)} voicemail{plural} left for {self.prospect} "
            f"(the last on {last}, {days} day{'s' if days != 1 else ''} before this one): "
            f"this is #{self.next_touch}."
        )
