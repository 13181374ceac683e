"""The scoring commands: coach score (recorded takes), check (a written script), models."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from coach.cli.common import (
    Sending,
    _card_id,
    _context,
    _emit,
    _exit_code,
    _history,
    _opened_store,
    _print_timings,
    _rubric,
    _save,
    _sending,
    _share_time,
    _with_cadence,
)
from coach.cli.options import (
    JUDGING,
    BeamSizeOpt,
    CallbackOpt,
    CardOpt,
    CoachCommand,
    DetailsOpt,
    ExplainOpt,
    JsonOpt,
    ModelOpt,
    NoSaveOpt,
    PhoneLineOpt,
    ProspectCompanyOpt,
    ProspectOpt,
    RepCompanyOpt,
    RepEmailOpt,
    RepNameOpt,
    RubricOpt,
    SentOnOpt,
    SentOpt,
    SituationOpt,
    StoreOpt,
    StrictOpt,
    TouchOpt,
)
from coach.cli.output import err, out
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.context import Context
    from coach.report import Report
    from coach.team.store import Store

app = typer.Typer()


@app.command(cls=CoachCommand)
def score(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE…",
            help="Recorded takes: WAV, FLAC, MP3, M4A, OGG…",
            show_default=False,
        ),
    ],
    touch: TouchOpt = None,
    card: CardOpt = None,
    callback: CallbackOpt = None,
    rep_name: RepNameOpt = None,
    rep_company: RepCompanyOpt = None,
    rep_email: RepEmailOpt = None,
    prospect: ProspectOpt = None,
    prospect_company: ProspectCompanyOpt = None,
    situation: SituationOpt = None,
    as_json: JsonOpt = False,
    details: DetailsOpt = False,
    explain: ExplainOpt = False,
    model: ModelOpt = "base",
    beam_size: BeamSizeOpt = 5,
    max_minutes: Annotated[
        float,
        typer.Option(
            "--max-minutes",
            metavar="MINUTES",
            help="Refuse takes longer than this.",
            rich_help_panel=JUDGING,
        ),
    ] = 15.0,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
    phone_line: PhoneLineOpt = False,
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
        card=card,
        callback=callback,
        rep_name=rep_name,
        rep_company=rep_company,
        rep_email=rep_email,
        prospect=prospect,
        prospect_company=prospect_company,
        situation=situation,
    )
    card_id = _card_id(card)
    sending = _sending(sent, sent_on, save=not no_save, context=context)
    if sending.sent and len(files) > 1:
        raise CoachError("--sent logs one voicemail; score one file at a time")
    with (
        _opened_store(store, save=not no_save) as saving,
        _history(store, saving) as history,
    ):
        context = _with_cadence(context, history, sending, touch_given=touch is not None)
        _score(
            files,
            context=context,
            sending=sending,
            card_id=card_id,
            as_json=as_json,
            details=details,
            explain=explain,
            model=model,
            beam_size=beam_size,
            max_minutes=max_minutes,
            rubric=rubric,
            strict=strict,
            store=saving,
            phone_line=phone_line,
        )


def _score(
    files: list[Path],
    *,
    context: Context,
    card_id: str,
    as_json: bool,
    details: bool,
    explain: bool,
    model: str,
    beam_size: int,
    max_minutes: float,
    rubric: Path | None,
    strict: bool,
    store: Store | None,
    sending: Sending,
    phone_line: bool = False,
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
                    phone_line=phone_line,
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
                phone_line=phone_line,
            ):
                if isinstance(result, CoachError):
                    failures.append((str(f), str(result)))
                    err.print(Text.assemble(("Error:", "bold red"), f" {result}"), soft_wrap=True)
                else:
                    reports.append(result)
                progress.update(task, description=f"Scored {f.name}")
                progress.advance(task)

    # Saved before anything is shown, so nothing in the showing can cost the take; a store
    # problem is reported after the feedback, so it does not cost the rep the feedback either.
    began = time.perf_counter()
    unsaved: CoachError | None = None
    for report in reports:
        try:
            _save(
                store,
                report,
                context,
                card_id=card_id,
                max_minutes=max_minutes,
                rubric=judged_by,
                sending=sending,
            )
        except CoachError as exc:
            unsaved = unsaved or exc
    _share_time(reports, "save", time.perf_counter() - began)
    # Several takes in the terminal: the summary table, not a wall of reports.
    began = time.perf_counter()
    if reports and (as_json or not many):
        _emit(reports, as_json=as_json, many=many, explain=explain, details=details)
    if many and not as_json:
        from coach.views.terminal import summary_table

        out.print(summary_table(reports, failures))
    _share_time(reports, "render", time.perf_counter() - began)
    _print_timings(reports)
    if unsaved is not None:
        raise unsaved
    if failures:
        raise SystemExit(2)
    raise SystemExit(_exit_code(reports, strict=strict))


@app.command(cls=CoachCommand)
def check(
    script: Annotated[
        Path,
        typer.Argument(
            metavar="SCRIPT",
            help="A written voicemail script (plain text).",
            show_default=False,
        ),
    ],
    touch: TouchOpt = None,
    card: CardOpt = None,
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
            metavar="WPM",
            rich_help_panel=JUDGING,
            max=300,
            help="Your speaking pace, to time the script [default: your profile's, else 150].",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    details: DetailsOpt = False,
    explain: ExplainOpt = False,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Judge a written script before you record it (same rules; timed at your pace).

    Example: coach check script.txt --touch 2 --card acme-t2
    """
    from coach.pipeline import check_script

    context = _context(
        touch=touch,
        card=card,
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
    _emit([report], as_json=as_json, many=False, explain=explain, details=details)
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
