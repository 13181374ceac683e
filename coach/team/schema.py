"""The shapes of untrusted JSON — a bundle's manifest, a stored report — as msgspec schemas.

Everything a bundle or a store row carries is checked here before it is used:
types, required fields, no unknown fields, integers that fit SQLite, finite
floats within sane bounds, aware times within a sane range (normalized to
UTC), names without control characters.  The schemas are declarations
(:class:`msgspec.Struct` with :class:`msgspec.Meta` constraints), not
hand-written predicates; msgspec's error names the path of the bad value
(``$.sessions[0].report.metrics.wpm``).  No files and no store here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec

#: the biggest integer SQLite stores
SQLITE_MAX_INT = 2**63 - 1
#: the longest take anything is measured against, seconds (a day: far beyond any take)
MAX_SECONDS = 86_400.0
#: times outside this range are refused: they break date arithmetic and local-time display
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
#: the longest name (rep, card, prospect, author, check id), characters
MAX_NAME = 200
#: the longest free text (a comment, a message, a transcript), characters
MAX_TEXT = 100_000

#: C0 and C1 control characters (and DEL): never in a name, stripped from what is shown
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*\Z"

Name = Annotated[str, msgspec.Meta(max_length=MAX_NAME, pattern=_NO_CONTROL)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
Uid = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{32}\Z")]
Seconds = Annotated[float, msgspec.Meta(ge=0.0, le=MAX_SECONDS)]
Count = Annotated[int, msgspec.Meta(ge=0, le=10**9)]
Touch = Annotated[int, msgspec.Meta(ge=1, le=1000)]
Score = Annotated[int, msgspec.Meta(ge=0, le=100)]
Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Weight = Annotated[float, msgspec.Meta(ge=0.0, le=1e6)]
Time = Annotated[datetime, msgspec.Meta(tz=True)]
Status = Literal["pass", "warn", "fail", "skip"]
Verdict = Literal["pass", "warn", "fail"]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Exact keys: nothing unexpected reaches the store's columns or the views."""


def in_range(when: datetime) -> bool:
    """Whether an aware time is within :data:`EARLIEST`–:data:`LATEST`."""
    try:
        return EARLIEST <= when <= LATEST
    except OverflowError:  # a zone offset past the calendar's edge
        return False


def _sane(when: datetime | None) -> None:
    """Refuse a time outside the range (a ValueError: msgspec reports it with its path)."""
    if when is not None and not in_range(when):
        raise ValueError(f"{when.isoformat()} is outside {EARLIEST.year}–{LATEST.year}")


# -- coach.report/1 ----------------------------------------------------------------


class WordDoc(Strict):
    word: Text
    start: Seconds
    end: Seconds
    probability: Share


class TranscriptDoc(Strict):
    text: Text
    words: list[WordDoc]


class NumberDoc(Strict):
    digits: Name
    start: Seconds
    end: Seconds
    digits_per_s: Annotated[float, msgspec.Meta(ge=0.0, le=1e6)]


class FilledPauseDoc(Strict):
    start: Seconds
    end: Seconds


class MetricsDoc(Strict):
    duration_s: Seconds
    speech_s: Seconds | None
    words: Count
    wpm: Annotated[float, msgspec.Meta(ge=0.0, le=1e6)] | None
    leading_silence_s: Seconds | None
    longest_pause_s: Seconds | None
    filler_count: Count
    pitch_variation_st: Annotated[float, msgspec.Meta(ge=0.0, le=1e3)] | None
    loudness_dbfs: Annotated[float, msgspec.Meta(ge=-1e3, le=1e3)] | None
    phone_numbers: list[NumberDoc]
    #: added in #15; reports stored before have none
    syllables_per_s: Annotated[float, msgspec.Meta(ge=0.0, le=1e3)] | None = None
    #: added in #16; reports stored before have none
    message_s: Seconds | None = None
    #: added in #15; reports stored before have none
    filled_pauses: list[FilledPauseDoc] = []


class EvidenceDoc(Strict):
    text: Text
    start: Seconds | None
    end: Seconds | None
    chars: tuple[Count, Count] | None = None
    #: the rubric phrase that found it (with --explain)
    phrase: Text = ""


class OverrideNoteDoc(Strict):
    # "from" is a Python keyword: the field is renamed on the wire
    original: Status = msgspec.field(name="from")
    reason: Text
    by: Name = ""


class CheckDoc(Strict):
    id: Name
    status: Status
    message: Text
    advice: Text
    evidence: list[EvidenceDoc]
    override: OverrideNoteDoc | None = None
    #: the hard rule of the guidance a failed check breaks (it caps the score)
    hard_rule: Text = ""


class IdentityDoc(Strict):
    name: Name
    company: Name
    phone: Name
    source: Name


class PhoneLineDoc(Strict):
    transcript: Text
    numbers: list[Name]
    number_survives: bool | None
    name_survives: bool | None
    codec: Name
    findings: list[Text]


class ReportDoc(Strict):
    schema: Literal["coach.report/1"]
    source: Text
    touch: Touch | None
    model: Name | None
    transcript: TranscriptDoc
    metrics: MetricsDoc
    checks: list[CheckDoc]
    score: Score
    fixes: list[Text]
    strengths: list[Text]
    band: Literal["green", "amber", "red", ""] = ""
    checked_against: IdentityDoc | None = None
    #: added in #15 (--phone-line); reports stored before have none
    phone_line: PhoneLineDoc | None = None

    def __post_init__(self) -> None:
        ids = [c.id for c in self.checks]
        if len(set(ids)) != len(ids):
            raise ValueError("a check appears twice")


# -- what a session was scored with ------------------------------------------------------


class PointsDoc(Strict):
    """Points per status, as a share of a check's weight (the rubric's [score])."""

    # "pass" is a Python keyword too
    pass_: Share = msgspec.field(name="pass")
    warn: Share
    fail: Share


class WeightsDoc(Strict):
    weights: dict[Name, Weight]
    points: PointsDoc


# -- review items and sessions --------------------------------------------------------------


class CommentDoc(Strict):
    uid: Uid
    at_s: Seconds | None
    text: Text
    author: Name
    created_at: Time

    def __post_init__(self) -> None:
        _sane(self.created_at)


class OverrideDoc(Strict):
    uid: Uid
    check_id: Name
    status: Verdict
    reason: Text
    author: Name
    created_at: Time

    def __post_init__(self) -> None:
        _sane(self.created_at)


class SessionDoc(Strict):
    """A bundle's session entry: the Session columns but id and audio_path, plus its parts."""

    uid: Uid
    created_at: Time
    rep: Name
    card_id: Name
    touch: Touch | None
    prospect: Name
    prospect_company: Name
    model: Name | None
    score: Score
    source: Text
    sent_at: Time | None
    reviewed_at: Time | None
    report: ReportDoc
    weights: WeightsDoc | None
    audio: Name | None
    comments: list[CommentDoc]
    overrides: list[OverrideDoc]

    def __post_init__(self) -> None:
        for when in (self.created_at, self.sent_at, self.reviewed_at):
            _sane(when)


class ManifestDoc(Strict):
    schema: Literal["coach.bundle/1"]
    created_at: Time
    coach_version: Name
    sessions: list[SessionDoc]


class RowDoc(msgspec.Struct):
    """The parts of a stored session row that are checked when it is read back."""

    created_at: Time
    sent_at: Time | None
    reviewed_at: Time | None

    def __post_init__(self) -> None:
        for when in (self.created_at, self.sent_at, self.reviewed_at):
            _sane(when)


# -- using them ---------------------------------------------------------------------


class SchemaError(ValueError):
    """JSON that does not fit its schema; the message names the path of the bad value."""


def convert(data: Any, kind: type[Any]) -> Any:
    """``data`` (parsed JSON) checked against ``kind``.

    Raises
    ------
    SchemaError
        A wrong type, a missing or unknown field, a value out of range.
    """
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        raise SchemaError(str(exc)) from None


def decode(text: str | bytes, kind: type[Any]) -> Any:
    """JSON text checked against ``kind`` (NaN and Infinity are not JSON: refused)."""
    try:
        return msgspec.json.decode(text, type=kind)
    except msgspec.ValidationError as exc:
        raise SchemaError(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise SchemaError(f"not JSON ({exc})") from None


def iso(when: datetime) -> str:
    """The store's time format: ``2026-11-20T12:00:00Z`` (microseconds kept when given)."""
    text = when.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
