"""What the commands share once their options are parsed: the context, the store, saving.

The rubric context is built from the profile, then the card, then the flags;
the store is opened before scoring so a bad one is reported first; a take is
saved before it is shown (nothing in the showing can lose it), and a store
problem is reported after the feedback, so it never costs the rep that either.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.cli.output import err, out, write_json
from coach.errors import CoachError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from coach.context import Context
    from coach.report import Report
    from coach.rubric.config import Rubric
    from coach.team.store import Session, Store


def _context(
    *,
    touch: int | None,
    card: str | None,
    callback: str | None,
    rep_name: str | None = None,
    rep_company: str | None = None,
    rep_email: str | None = None,
    prospect: str | None = None,
    prospect_company: str | None = None,
    situation: str | None = None,
    wpm: float | None = None,
) -> Context:
    """Build the rubric context: the card's prospect and offer; the rep is the user.

    The rep is who the profile and the ``--rep-*``/``--callback`` flags say
    (flags over the profile, field by field).  A card's ``[rep]`` is a stand-in
    for someone practising with no identity of their own: it is used only when
    neither the profile nor a flag names the rep or a number — never mixed in,
    so the rep is never told to give a made-up rep's number.  The pace is
    ``--wpm``, else the profile's ``target_wpm``, else 150.
    """
    from dataclasses import replace

    from coach.context import Context, Rep
    from coach.practice.cards import find_card
    from coach.practice.profile import check_email, load_profile, profile_path
    from coach.speech.numbers import normalize_number

    for option, flag in (
        ("--rep-name", rep_name),
        ("--rep-company", rep_company),
        ("--rep-email", rep_email),
        ("--prospect", prospect),
        ("--prospect-company", prospect_company),
        ("--callback", callback),
    ):
        _user_text(option, flag)
    _user_text("--situation", situation, name=False)
    if rep_email is not None:
        check_email(rep_email, option="--rep-email")
    profile = load_profile()
    pace = wpm if wpm is not None else profile.target_wpm or 150.0
    rep = Rep(name=profile.name, company=profile.company, phone=profile.phone, email=profile.email)
    phone_from = f"{profile_path()}: phone"
    rep_from = "your profile" if profile.name or profile.phone else ""
    user_named = bool(rep_from) or any(f for f in (rep_name, rep_company, rep_email, callback))
    context = Context(target_wpm=pace)
    if card:
        found = find_card(card)
        context = found.context(target_wpm=pace)
        if not user_named and (found.rep.name or found.rep.phone):
            rep = found.rep
            rep_from = f"the card {found.id}"
            phone_from = f"{found.path}: rep.phone"
    if callback:
        rep = replace(rep, phone=callback)
        phone_from = "--callback"
    if rep.phone:
        try:
            rep = replace(rep, phone=normalize_number(rep.phone))
        except ValueError:
            raise CoachError(
                f"{phone_from} {rep.phone!r} is not a phone number — e.g. 415-555-0134"
            ) from None

    def pick(flag: str | None, current: str) -> str:
        return flag if flag is not None else current

    rep = replace(
        rep,
        name=pick(rep_name, rep.name),
        company=pick(rep_company, rep.company),
        email=pick(rep_email, rep.email),
    )
    flags = [f for f, v in (("--rep-name", rep_name), ("--callback", callback)) if v]
    if flags:
        rep_from = " and ".join([*flags, *([rep_from] if rep_from else [])])
    who = replace(
        context.prospect,
        name=pick(prospect, context.prospect.name),
        company=pick(prospect_company, context.prospect.company),
        situation=pick(situation, context.prospect.situation),
    )
    named = rep.name or rep.phone
    return replace(context, rep=rep, prospect=who, rep_from=rep_from if named else "").with_touch(
        touch
    )


#: the longest name a flag takes (a rep, a company, a reviewer), characters
MAX_NAME = 200
#: the longest free text a flag takes (a comment, a reason), characters
MAX_TEXT = 10_000


def _user_text(option: str, value: str | None, *, name: bool = True) -> str | None:
    """Check text typed on the command line before it is judged, saved or shown.

    A name is one line without control characters and at most
    :data:`MAX_NAME` characters (a megabyte-long name made the rubric's
    patterns crawl); free text may hold newlines.  Bytes that are not UTF-8
    (Python keeps them as surrogates) are refused: they cannot be stored.
    """
    from coach.team.schema import CONTROL

    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CoachError(f"{option} is not valid UTF-8 text — retype it") from None
    limit = MAX_NAME if name else MAX_TEXT
    if len(value) > limit:
        raise CoachError(f"{option} is {len(value)} characters long — keep it under {limit}")
    bad = CONTROL.search(value if name else value.replace("\n", "").replace("\t", ""))
    if bad:
        raise CoachError(
            f"{option} has a control character (U+{ord(bad.group()):04X}) — type it as plain text"
        )
    return value


def _card_id(card: str | None) -> str:
    """The id of the card ``--card`` names, or "" without one (for the saved session)."""
    if not card:
        return ""
    from coach.practice.cards import find_card

    return find_card(card).id


@contextmanager
def _opened_store(path: str | Path | None, *, save: bool) -> Iterator[Store | None]:
    """The store takes are saved to, opened before scoring so a bad one is reported first."""
    if not save:
        yield None
        return
    from coach.team.store import Store

    with Store(path) as store:
        yield store


@contextmanager
def _history(path: str | Path | None, saving: Store | None) -> Iterator[Store | None]:
    """Where a prospect's voicemail history is read: the store saving the take or,
    with ``--no-save``, the existing store as it is (nothing is created or saved).

    ``--no-save`` skips saving, not the cadence: a 4th voicemail is a 4th
    whether or not this take is kept.  A store that cannot be read is a warning
    here, not an error: the take is still scored, without its history.
    """
    if saving is not None:
        yield saving
        return
    from coach.team.store import Store, StoreError, store_path
    from coach.team.store_pg import is_url

    where: str | Path = str(path) if is_url(path) else Path(path or store_path()).expanduser()
    if isinstance(where, Path) and not where.is_file():
        yield None
        return
    try:
        history = Store(where, write=False)
    except StoreError as exc:
        err.print(f"Warning: voicemail history not read — {exc}", markup=False, soft_wrap=True)
        yield None
        return
    with history:
        yield history


@contextmanager
def _reading(path: str | Path | None, *, write: bool = False) -> Iterator[Store]:
    """A store for a command that only reads it (it may be read-only), warning of skipped rows.

    A row that cannot be read is left out of every listing; each is named
    once on stderr, after the command's output, with the way to remove it.
    """
    from coach.team.store import Store

    with Store(path, write=write) as store:
        try:
            yield store
        finally:
            for line in store.skipped:
                err.print(f"Warning: {line}", markup=False, soft_wrap=True)


@dataclass(frozen=True)
class Sending:
    """Whether the take was actually left for the prospect, and when (``--sent``)."""

    sent: bool
    when: datetime

    @property
    def sent_at(self) -> str | None:
        from coach.team.cadence import iso

        return iso(self.when) if self.sent else None


def _sending(sent: bool, sent_on: str | None, *, save: bool, context: Context) -> Sending:
    """Check ``--sent``/``--sent-on`` before anything is opened or scored."""
    from coach.team.cadence import parse_when

    when = parse_when(sent_on) if sent_on else datetime.now(UTC)
    sending = Sending(sent=sent or sent_on is not None, when=when)
    if sending.sent and not save:
        raise CoachError("--sent logs the take in the store; drop --no-save")
    if sending.sent and not context.prospect.name:
        raise CoachError("--sent needs the prospect: use --scenario or --prospect NAME")
    return sending


def _with_cadence(
    context: Context, store: Store | None, sending: Sending, *, touch_given: bool
) -> Context:
    """Judge the take as the next voicemail to its prospect, from the ones left before.

    ``store`` is where the history is read (see :func:`_history`); without one
    there is none.  The history line goes to stderr so ``--json`` stays clean.
    """
    who = context.prospect.name
    if store is None or not who:
        return context
    from coach.team.cadence import Cadence

    history = Cadence.of(
        who,
        [s.sent_at for s in store.sent_to(who, context.prospect.company) if s.sent_at],
    )
    if not history.sent:
        return context
    judged = history.apply(context, when=sending.when, touch_given=touch_given)
    line = history.describe(sending.when)
    if touch_given and judged.touch != history.next_touch:
        line += f" Judged as #{judged.touch}, as --touch says."
    err.print(line, markup=False, soft_wrap=True)
    return judged


def _save(
    store: Store | None,
    report: Report,
    context: Context,
    *,
    card_id: str,
    max_minutes: float,
    rubric: Rubric,
    sending: Sending | None = None,
) -> None:
    """Save a scored take with a 16 kHz FLAC copy of its audio (decoded again: ~20 ms)."""
    if store is None:
        return
    from coach.errors import AudioError
    from coach.speech.audio import load
    from coach.team.review import Weights

    try:
        samples = load(report.source, max_minutes=max_minutes).samples
    except AudioError as exc:  # gone or changed since it was scored: keep the report anyway
        err.print(f"Warning: no audio kept — {exc}", soft_wrap=True)
        samples = None
    session = store.save(
        report,
        rep=context.rep.name,
        card_id=card_id,
        prospect=context.prospect.name,
        prospect_company=context.prospect.company,
        audio=samples,
        sent_at=None if sending is None else sending.sent_at,
        weights=Weights.of(rubric),
    )
    sent = f", logged as voicemail #{report.touch} to {session.prospect}" if session.sent_at else ""
    # A take saved under no name is nobody's in coach sessions and in a lead's report.
    nameless = "" if session.rep else ' — no rep name: set yours once, coach profile set --name "…"'
    err.print(
        f"Saved session {session.id}{sent} (coach sessions show {session.id}){nameless}",
        markup=False,
        soft_wrap=True,
    )
    _push(store, session)


def _push(store: Store, session: Session) -> None:
    """Send a take just saved to the team server, when the profile names one.

    A short timeout; on any failure the take stays here, noted as unsent, and
    one line says so — ``coach sync`` sends it later.
    """
    from coach.practice.profile import load_profile

    profile = load_profile()
    if not profile.server:
        return
    from coach.team.sync import client, push

    try:
        if not profile.token:
            raise CoachError("no API token in your profile: coach profile set --token …")
        with client(profile.server, profile.token) as http:
            push(store, session, http)
        err.print(f"Sent to the team server {profile.server}", markup=False, soft_wrap=True)
    except CoachError as exc:
        err.print(
            f"Session {session.id} saved here; not sent to the team server ({exc}) — "
            "coach sync sends it later",
            markup=False,
            soft_wrap=True,
        )


def _since_day(since: str | None) -> date | None:
    """``--since YYYY-MM-DD`` as a date; one parser so every filtering command says the same."""
    if since is None:
        return None
    try:
        return date.fromisoformat(since)
    except ValueError:
        raise CoachError(
            f"--since {since!r} is not a date — use YYYY-MM-DD, e.g. 2025-03-01"
        ) from None


def _rubric(path: Path | None) -> Rubric:
    from coach.rubric.config import load_rubric

    return load_rubric(path)


def _emit(
    reports: list[Report],
    *,
    as_json: bool,
    many: bool,
    explain: bool = False,
    details: bool = False,
) -> None:
    """Print reports: JSON, or each take's compact view (``details``: the full one)."""
    from coach.report import to_json
    from coach.views.terminal import compact_view, explain_view, report_view

    if as_json:
        payload: Any = (
            [to_json(r, explain=explain) for r in reports]
            if many
            else to_json(reports[0], explain=explain)
        )
        write_json(payload)
        return
    for r in reports:
        out.print(report_view(r) if details else compact_view(r))
        if explain:
            out.print(explain_view(r))


def _share_time(reports: list[Report], stage: str, seconds: float) -> None:
    """Book a stage done for all the takes at once (rendering, saving) in equal shares."""
    for report in reports:
        report.timings[stage] = seconds / len(reports)


def _print_timings(reports: list[Report]) -> None:
    """With COACH_TIMINGS=1, one ``timings: stage=seconds ...`` line per take (for bench/)."""
    if not os.environ.get("COACH_TIMINGS"):
        return
    for report in reports:
        timings = " ".join(f"{k}={v:.3f}" for k, v in report.timings.items())
        err.print(f"timings: {timings}", soft_wrap=True, markup=False)


def _exit_code(reports: list[Report], *, strict: bool) -> int:
    if strict and any(c.status == "fail" for r in reports for c in r.checks):
        return 1
    return 0
