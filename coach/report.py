"""The report: one take's transcript, metrics, checks, score and feedback.

:func:`to_json` gives the stable ``coach.report/1`` shape scripts and
dashboards read (see SPEC "--json").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.rubric.checks import Check
from coach.rubric.phoneline import PhoneLine
from coach.speech.metrics import Metrics, NumberMetric
from coach.speech.transcribe import Transcript

SCHEMA = "coach.report/1"


@dataclass(frozen=True)
class Identity:
    """Who the take was checked as: the rep's name, company and number, and where they came
    from ("your profile", "--callback", "the card acme-t1")."""

    name: str = ""
    company: str = ""
    phone: str = ""
    source: str = ""


@dataclass(frozen=True)
class OverrideNote:
    """A check whose status a team lead overrode in review (see :mod:`coach.team.review`)."""

    check_id: str
    original: str
    status: str
    reason: str
    author: str = ""


@dataclass(frozen=True)
class Report:
    """Everything ``coach score`` or ``coach check`` found about one take."""

    source: str
    touch: int | None
    model: str | None
    transcript: Transcript
    metrics: Metrics
    checks: tuple[Check, ...]
    score: int
    fixes: tuple[str, ...]
    strengths: tuple[str, ...]
    #: seconds spent per pipeline stage (decode, transcribe, acoustics, rubric)
    timings: dict[str, float] = field(default_factory=dict)
    #: a lead's overrides, in report order (the checks already carry the new status)
    overrides: tuple[OverrideNote, ...] = ()
    #: the score's band: "green", "amber" or "red" (empty: from the score and default bands)
    band: str = ""
    #: the rep the take was checked as (``None``: nobody was named)
    identity: Identity | None = None
    #: the take as a prospect's phone would transcribe it (``--phone-line``; ``None``: not asked)
    phone_line: PhoneLine | None = None

    @property
    def score_band(self) -> str:
        """The band of the score: the one the rubric gave, else by the default bands."""
        from coach.rubric.engine import band

        return self.band or band(self.score)

    def override_of(self, check_id: str) -> OverrideNote | None:
        return next((o for o in self.overrides if o.check_id == check_id), None)


def _evidence(check: Check, *, explain: bool = False) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in check.evidence:
        item: dict[str, Any] = {"text": e.text, "start": e.start, "end": e.end}
        if e.chars is not None:
            item["chars"] = list(e.chars)
        if explain and e.phrase:
            item["phrase"] = e.phrase
        out.append(item)
    return out


def _check_json(report: Report, check: Check, *, explain: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": check.id,
        "status": check.status,
        "message": check.message,
        # A pass has nothing to fix (reports saved before #16 may still carry a tip).
        "advice": "" if check.status == "pass" else check.advice,
        "evidence": _evidence(check, explain=explain),
    }
    note = report.override_of(check.id)
    if check.hard_rule:
        item["hard_rule"] = check.hard_rule
    if note is not None:
        item["override"] = {"from": note.original, "reason": note.reason, "by": note.author}
    return item


def to_json(report: Report, *, explain: bool = False) -> dict[str, Any]:
    """The report as the stable ``coach.report/1`` object.

    ``explain`` adds to each evidence item the rubric phrase that found it
    (``"phrase": "opening.did_you_get_patterns: {did_you_get}"``).
    """
    m = report.metrics
    return {
        "schema": SCHEMA,
        "source": report.source,
        "touch": report.touch,
        "model": report.model,
        "transcript": {
            "text": report.transcript.text,
            "words": [
                {"word": w.text, "start": w.start, "end": w.end, "probability": w.probability}
                for w in report.transcript.words
            ],
        },
        "metrics": {
            "duration_s": m.duration_s,
            "speech_s": m.speech_s,
            "words": m.words,
            "wpm": m.wpm,
            "leading_silence_s": m.leading_silence_s,
            "longest_pause_s": m.longest_pause_s,
            "filler_count": m.filler_count,
            "pitch_variation_st": m.pitch_variation_st,
            "loudness_dbfs": m.loudness_dbfs,
            "phone_numbers": [
                {"digits": n.digits, "start": n.start, "end": n.end, "digits_per_s": n.digits_per_s}
                for n in m.phone_numbers
            ],
            "syllables_per_s": m.syllables_per_s,
            "message_s": m.message_s,
            "filled_pauses": [{"start": p.start, "end": p.end} for p in m.filled_pauses],
        },
        "checks": [_check_json(report, c, explain=explain) for c in report.checks],
        "score": report.score,
        "band": report.score_band,
        "fixes": list(report.fixes),
        "strengths": list(report.strengths),
        "checked_against": None if report.identity is None else vars(report.identity),
        "phone_line": None if report.phone_line is None else _phone_line_json(report.phone_line),
    }


def _phone_line_json(phone: PhoneLine) -> dict[str, Any]:
    return {
        "transcript": phone.transcript,
        "numbers": list(phone.numbers),
        "number_survives": phone.number_survives,
        "name_survives": phone.name_survives,
        "codec": phone.codec,
        "findings": list(phone.findings),
    }


def report_from_json(data: dict[str, Any]) -> Report:
    """Rebuild a :class:`Report` from its ``coach.report/1`` object (undoes :func:`to_json`).

    Timings are not part of the object, so they come back empty.

    Raises
    ------
    ValueError
        ``data`` is not a ``coach.report/1`` object.
    """
    from coach.rubric.checks import Evidence
    from coach.speech.fillers import FilledPause
    from coach.speech.transcribe import Word

    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} object")
    t = data["transcript"]
    m = data["metrics"]
    return Report(
        source=data["source"],
        touch=data["touch"],
        model=data["model"],
        transcript=Transcript(
            text=t["text"],
            words=tuple(
                Word(w["word"], w["start"], w["end"], w["probability"]) for w in t["words"]
            ),
        ),
        metrics=Metrics(
            duration_s=m["duration_s"],
            speech_s=m["speech_s"],
            words=m["words"],
            wpm=m["wpm"],
            leading_silence_s=m["leading_silence_s"],
            longest_pause_s=m["longest_pause_s"],
            filler_count=m["filler_count"],
            pitch_variation_st=m["pitch_variation_st"],
            loudness_dbfs=m["loudness_dbfs"],
            phone_numbers=tuple(
                NumberMetric(n["digits"], n["start"], n["end"], n["digits_per_s"])
                for n in m["phone_numbers"]
            ),
            syllables_per_s=m.get("syllables_per_s"),
            message_s=m.get("message_s"),
            filled_pauses=tuple(
                FilledPause(p["start"], p["end"]) for p in m.get("filled_pauses", ())
            ),
        ),
        checks=tuple(
            Check(
                id=c["id"],
                status=c["status"],
                message=c["message"],
                advice=c["advice"],
                evidence=tuple(
                    Evidence(
                        e["text"],
                        e["start"],
                        e["end"],
                        tuple(e["chars"]) if e.get("chars") is not None else None,
                        e.get("phrase", ""),
                    )
                    for e in c["evidence"]
                ),
                hard_rule=c.get("hard_rule", ""),
            )
            for c in data["checks"]
        ),
        score=data["score"],
        band=data.get("band", ""),
        fixes=tuple(data["fixes"]),
        strengths=tuple(data["strengths"]),
        overrides=tuple(
            OverrideNote(
                c["id"],
                c["override"]["from"],
                c["status"],
                c["override"]["reason"],
                c["override"].get("by", ""),
            )
            for c in data["checks"]
            if "override" in c
        ),
        identity=Identity(**who) if (who := data.get("checked_against")) else None,
        phone_line=(
            PhoneLine(
                transcript=phone["transcript"],
                numbers=tuple(phone["numbers"]),
                number_survives=phone["number_survives"],
                name_survives=phone["name_survives"],
                codec=phone["codec"],
                findings=tuple(phone["findings"]),
            )
            if (phone := data.get("phone_line"))
            else None
        ),
    )
