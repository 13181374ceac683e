"""The ``coach`` command line: parse, call the library, render.

Only this package prints.  This module holds the app, the shared options and
helpers, and the scoring commands; ``practice`` has the microphone commands
(devices, record, rehearse) and ``manage`` the profile, cards and sessions.
Every :class:`~coach.errors.CoachError` is caught once, in :class:`CoachGroup`,
and becomes one ``Error: …`` line with exit 2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from coach.errors import CoachError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from coach.context import Context
    from coach.report import Report
    from coach.rubric.config import Rubric
    from coach.team.store import Store

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class CoachGroup(typer.core.TyperGroup):
    """Turns a :class:`CoachError` anywhere in a command into one line and exit 2."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except CoachError as exc:
            # Escaped: messages quote card syntax like "[rep]", which rich would eat as markup.
            err.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True)
            raise SystemExit(2) from None
        except KeyboardInterrupt:
            err.print("Interrupted.")
            raise SystemExit(130) from None


app = typer.Typer(
    cls=CoachGroup,
    help="Voicemail Coach: practise sales voicemails that get called back. Offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

TouchOpt = Annotated[
    int | None,
    typer.Option(
        "--touch",
        "-t",
        min=1,
        help="Which voicemail to this prospect: 1, 2 or 3.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print coach.report/1 JSON instead.")]
RubricOpt = Annotated[
    Path | None, typer.Option("--rubric", help="A team rubric TOML overriding the shipped one.")
]
CallbackOpt = Annotated[
    str | None,
    typer.Option(
        "--callback", help="Your callback number, checked digit by digit (e.g. 415-555-0134)."
    ),
]
ModelOpt = Annotated[
    str, typer.Option("--model", "-m", help="base, tiny.en, or a CTranslate2 model folder.")
]
BeamSizeOpt = Annotated[
    int, typer.Option("--beam-size", min=1, help="Whisper beam width (1 is fastest).")
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Exit 1 when any check fails (for scripts and CI).")
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="The practice store, a SQLite file [default: COACH_HOME/coach.db, else the user "
        "data folder's].",
        show_default=False,
    ),
]
# The session filters coach sessions and coach export share.
RepFilterOpt = Annotated[
    str | None, typer.Option("--rep", help="Only this rep's takes (any case).")
]
TouchFilterOpt = Annotated[
    int | None, typer.Option("--touch", "-t", min=1, help="Only takes for this touch.")
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="YYYY-MM-DD", help="Only takes from this day on (UTC)."),
]
MinScoreOpt = Annotated[
    int | None,
    typer.Option("--min-score", min=0, max=100, help="Only takes scoring at least this."),
]
NoSaveOpt = Annotated[
    bool, typer.Option("--no-save", help="Do not save the take to the practice store.")
]
SentOpt = Annotated[
    bool,
    typer.Option(
        "--sent",
        help="You actually left this voicemail: log it against the prospect, so the next "
        "take for them is judged as the next touch.",
    ),
]
SentOnOpt = Annotated[
    str | None,
    typer.Option(
        "--sent-on",
        help="When you left it (YYYY-MM-DD); implies --sent [default: now].",
        show_default=False,
    ),
]


ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        "-s",
        help="A scenario card: a .toml path or an id from `coach prompts` (e.g. acme-t1).",
    ),
]
RepNameOpt = Annotated[str | None, typer.Option("--rep-name", help="Your name.")]
RepCompanyOpt = Annotated[str | None, typer.Option("--rep-company", help="Your company.")]
RepEmailOpt = Annotated[str | None, typer.Option("--rep-email", help="Your email address.")]
ProspectOpt = Annotated[str | None, typer.Option("--prospect", help="The prospect's name.")]
ProspectCompanyOpt = Annotated[
    str | None, typer.Option("--prospect-company", help="The prospect's company.")
]
SituationOpt = Annotated[
    str | None, typer.Option("--situation", help="The prospect's situation, in a sentence.")
]


def _context(
    *,
    touch: int | None,
    scenario: str | None,
    callback: str | None,
    rep_name: str | None = None,
    rep_company: str | None = None,
    rep_email: str | None = None,
    prospect: str | None = None,
    prospect_company: str | None = None,
    situation: str | None = None,
    wpm: float | None = None,
) -> Context:
    """Build the rubric context: the profile, then the card over it, then the flags over both.

    Each rep field comes from the last of those that gives it, so a card naming
    only the rep keeps the profile's phone.  The pace is ``--wpm``, else the
    profile's ``target_wpm``, else 150.
    """
    from dataclasses import replace

    from coach.context import Context, Rep
    from coach.practice.cards import find_card
    from coach.practice.profile import load_profile, profile_path
    from coach.speech.numbers import normalize_number

    profile = load_profile()
    pace = wpm if wpm is not None else profile.target_wpm or 150.0
    rep = Rep(name=profile.name, company=profile.company, phone=profile.phone, email=profile.email)
    phone_from = f"{profile_path()}: phone"
    context = Context(target_wpm=pace)
    if scenario:
        card = find_card(scenario)
        context = card.context(target_wpm=pace)
        given = {k: v for k, v in vars(card.rep).items() if v}
        rep = replace(rep, **given)
        if card.rep.phone:
            phone_from = f"{card.path}: rep.phone"
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
    who = replace(
        context.prospect,
        name=pick(prospect, context.prospect.name),
        company=pick(prospect_company, context.prospect.company),
        situation=pick(situation, context.prospect.situation),
    )
    return replace(context, rep=rep, prospect=who).with_touch(touch)


def _card_id(scenario: str | None) -> str:
    """The id of the card ``--scenario`` names, or "" without one (for the saved session)."""
    if not scenario:
        return ""
    from coach.practice.cards import find_card

    return find_card(scenario).id


@contextmanager
def _opened_store(path: Path | None, *, save: bool) -> Iterator[Store | None]:
    """The store takes are saved to, opened before scoring so a bad one is reported first."""
    if not save:
        yield None
        return
    from coach.team.store import Store

    with Store(path) as store:
        yield store


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

    Without a store (``--no-save``) there is no history to read.  The history
    line goes to stderr so ``--json`` stays clean.
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
        err.print(f"Warning: no audio kept — {escape(str(exc))}", soft_wrap=True)
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
    err.print(
        f"Saved session {session.id}{sent} (coach sessions show {session.id})",
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


def _emit(reports: list[Report], *, as_json: bool, many: bool) -> None:
    from coach.report import to_json
    from coach.views.terminal import report_view

    if as_json:
        payload: Any = [to_json(r) for r in reports] if many else to_json(reports[0])
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    for r in reports:
        out.print(report_view(r))


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


@app.command()
def score(
    files: Annotated[
        list[Path],
        typer.Argument(help="Recorded takes: WAV, FLAC, MP3, M4A, OGG…", show_default=False),
    ],
    touch: TouchOpt = None,
    scenario: ScenarioOpt = None,
    callback: CallbackOpt = None,
    rep_name: RepNameOpt = None,
    rep_company: RepCompanyOpt = None,
    rep_email: RepEmailOpt = None,
    prospect: ProspectOpt = None,
    prospect_company: ProspectCompanyOpt = None,
    situation: SituationOpt = None,
    as_json: JsonOpt = False,
    model: ModelOpt = "base",
    beam_size: BeamSizeOpt = 5,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", help="Refuse takes longer than this.")
    ] = 15.0,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
    store: StoreOpt = None,
    no_save: NoSaveOpt = False,
    sent: SentOpt = False,
    sent_on: SentOnOpt = None,
) -> None:
    """Transcribe, measure and judge recorded voicemail takes.

    Each scored take is saved to the practice store (see coach sessions)
    unless --no-save. With --sent it is logged as left for the prospect: the
    next take for them is judged as the next touch, and a follow-up sooner
    than 4 or later than 7 days after the last one gets a warning.

    Example: coach score take.m4a --touch 1 --callback 415-555-0134
    """
    context = _context(
        touch=touch,
        scenario=scenario,
        callback=callback,
        rep_name=rep_name,
        rep_company=rep_company,
        rep_email=rep_email,
        prospect=prospect,
        prospect_company=prospect_company,
        situation=situation,
    )
    card_id = _card_id(scenario)
    sending = _sending(sent, sent_on, save=not no_save, context=context)
    if sending.sent and len(files) > 1:
        raise CoachError("--sent logs one voicemail; score one file at a time")
    with _opened_store(store, save=not no_save) as saving:
        context = _with_cadence(context, saving, sending, touch_given=touch is not None)
        _score(
            files,
            context=context,
            sending=sending,
            card_id=card_id,
            as_json=as_json,
            model=model,
            beam_size=beam_size,
            max_minutes=max_minutes,
            rubric=rubric,
            strict=strict,
            store=saving,
        )


def _score(
    files: list[Path],
    *,
    context: Context,
    card_id: str,
    as_json: bool,
    model: str,
    beam_size: int,
    max_minutes: float,
    rubric: Path | None,
    strict: bool,
    store: Store | None,
    sending: Sending,
) -> None:
    """The body of coach score, once the store is open."""
    from coach.pipeline import batch_jobs, score_file, score_files
    from coach.speech import models
    from coach.speech.transcribe import DecodeOptions, Transcriber

    judged_by = _rubric(rubric)
    options = DecodeOptions(beam_size=beam_size)
    loaded: list[Transcriber] = []
    jobs = batch_jobs(len(files))

    def transcriber() -> Transcriber:
        # Loaded on first use: a bad file is reported before the model costs a second.
        if not loaded:
            threads = max(1, (os.cpu_count() or 1) // jobs)
            folder = str(models.resolve(model))
            loaded.append(Transcriber(folder, name=model, threads=threads, workers=jobs))
        return loaded[0]

    reports: list[Report] = []
    failures: list[tuple[str, str]] = []
    many = len(files) > 1
    if not many:
        with err.status(f"Listening to {files[0].name}…", spinner="dots"):
            reports.append(
                score_file(
                    files[0],
                    transcriber=transcriber,
                    context=context,
                    rubric=judged_by,
                    max_minutes=max_minutes,
                    options=options,
                )
            )
    else:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as progress:
            task = progress.add_task(f"Scoring {len(files)} takes", total=len(files))
            for f, result in score_files(
                files,
                transcriber=transcriber,
                context=context,
                rubric=judged_by,
                max_minutes=max_minutes,
                options=options,
                jobs=jobs,
            ):
                if isinstance(result, CoachError):
                    failures.append((str(f), str(result)))
                    err.print(f"[bold red]Error:[/] {escape(str(result))}", soft_wrap=True)
                else:
                    reports.append(result)
                progress.update(task, description=f"Scored {f.name}")
                progress.advance(task)

    # Several takes in the terminal: the summary table, not a wall of reports.
    began = time.perf_counter()
    if reports and (as_json or not many):
        _emit(reports, as_json=as_json, many=many)
    if many and not as_json:
        from coach.views.terminal import summary_table

        out.print(summary_table(reports, failures))
    _share_time(reports, "render", time.perf_counter() - began)
    # Saved after showing: a store problem must not cost the rep the feedback.
    began = time.perf_counter()
    for report in reports:
        _save(
            store,
            report,
            context,
            card_id=card_id,
            max_minutes=max_minutes,
            rubric=judged_by,
            sending=sending,
        )
    _share_time(reports, "save", time.perf_counter() - began)
    _print_timings(reports)
    if failures:
        raise SystemExit(2)
    raise SystemExit(_exit_code(reports, strict=strict))


@app.command()
def check(
    script: Annotated[
        Path, typer.Argument(help="A written voicemail script (plain text).", show_default=False)
    ],
    touch: TouchOpt = None,
    scenario: ScenarioOpt = None,
    callback: CallbackOpt = None,
    rep_name: RepNameOpt = None,
    rep_company: RepCompanyOpt = None,
    rep_email: RepEmailOpt = None,
    prospect: ProspectOpt = None,
    prospect_company: ProspectCompanyOpt = None,
    situation: SituationOpt = None,
    wpm: Annotated[
        float | None,
        typer.Option(
            "--wpm",
            min=60,
            max=300,
            help="Your speaking pace, to time the script [default: your profile's, else 150].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Judge a written script before you record it (same rules; timed at your pace).

    Example: coach check script.txt --touch 2 --scenario acme-t2
    """
    from coach.pipeline import check_script

    context = _context(
        touch=touch,
        scenario=scenario,
        callback=callback,
        rep_name=rep_name,
        rep_company=rep_company,
        rep_email=rep_email,
        prospect=prospect,
        prospect_company=prospect_company,
        situation=situation,
        wpm=wpm,
    )
    judged_by = _rubric(rubric)
    if not script.is_file():
        raise CoachError(
            f"{script}: no such file" if not script.exists() else f"{script} is not a file"
        )
    try:
        text = script.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CoachError(f"{script} is not a text file — give the script as plain text") from None
    if not text.strip():
        raise CoachError(f"{script} is empty — write the voicemail you plan to leave")
    report = check_script(text, source=str(script), context=context, rubric=judged_by)
    _emit([report], as_json=as_json, many=False)
    raise SystemExit(_exit_code([report], strict=strict))


@app.command("models")
def models_cmd() -> None:
    """Show the bundled speech models and where they live.

    Example: coach models
    """
    from rich.table import Table

    from coach.speech import models

    table = Table(title="Speech models (offline)")
    table.add_column("Name")
    table.add_column("Installed")
    table.add_column("Notes")
    table.add_column("Folder")
    for info in models.available():
        table.add_row(
            info.name + (" (default)" if info.name == models.DEFAULT_MODEL else ""),
            "yes" if info.installed else "no",
            info.note,
            str(info.path or "—"),
        )
    out.print(table)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as done:
        record = sys.modules.get("coach.practice.record")
        if record is not None and record.audio_wedged():
            # PortAudio's exit handler would block on the stream that would not
            # stop; everything the rep needs is written, so leave without it.
            pipeline = sys.modules.get("coach.pipeline")
            if pipeline is not None:
                pipeline.stop_workers()  # a forked worker would outlive us otherwise
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code if isinstance(done.code, int) else 1)
        raise


# Importing the command modules registers their commands on ``app``.
from coach.cli import manage, practice, reviewing, share, team  # noqa: E402, F401
