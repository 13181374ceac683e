"""The ``coach`` command line: parse, call the library, render.

Only this module prints.  Every :class:`~coach.errors.CoachError` is caught
once, in :class:`CoachGroup`, and becomes one ``Error: …`` line with exit 2.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from coach.errors import CoachError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from coach.context import Context
    from coach.profile import Profile
    from coach.record import Recorder
    from coach.report import Report
    from coach.rubric.core import Rubric
    from coach.scenario import Card
    from coach.store import Store

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
NoSaveOpt = Annotated[
    bool, typer.Option("--no-save", help="Do not save the take to the practice store.")
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
    from coach.numbers import normalize_number
    from coach.profile import load_profile, profile_path
    from coach.scenario import find_card

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
    from coach.scenario import find_card

    return find_card(scenario).id


@contextmanager
def _opened_store(path: Path | None, *, save: bool) -> Iterator[Store | None]:
    """The store takes are saved to, opened before scoring so a bad one is reported first."""
    if not save:
        yield None
        return
    from coach.store import Store

    with Store(path) as store:
        yield store


def _save(
    store: Store | None, report: Report, context: Context, *, card_id: str, max_minutes: float
) -> None:
    """Save a scored take with a 16 kHz FLAC copy of its audio (decoded again: ~20 ms)."""
    if store is None:
        return
    from coach.audio import load
    from coach.errors import AudioError

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
        audio=samples,
    )
    err.print(f"Saved session {session.id} (coach sessions show {session.id})", markup=False)


def _rubric(path: Path | None) -> Rubric:
    from coach.rubric.core import load_rubric

    return load_rubric(path)


def _emit(reports: list[Report], *, as_json: bool, many: bool) -> None:
    from coach.render import report_view
    from coach.report import to_json

    if as_json:
        payload: Any = [to_json(r) for r in reports] if many else to_json(reports[0])
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    for r in reports:
        out.print(report_view(r))


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
    model: Annotated[
        str, typer.Option("--model", "-m", help="base, tiny.en, or a CTranslate2 model folder.")
    ] = "base",
    beam_size: Annotated[
        int, typer.Option("--beam-size", min=1, help="Whisper beam width (1 is fastest).")
    ] = 5,
    max_minutes: Annotated[
        float, typer.Option("--max-minutes", help="Refuse takes longer than this.")
    ] = 15.0,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
    store: StoreOpt = None,
    no_save: NoSaveOpt = False,
) -> None:
    """Transcribe, measure and judge recorded voicemail takes.

    Each scored take is saved to the practice store (see coach sessions)
    unless --no-save.

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
    with _opened_store(store, save=not no_save) as saving:
        _score(
            files,
            context=context,
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
) -> None:
    """The body of coach score, once the store is open."""
    from coach import models
    from coach.pipeline import score_file
    from coach.transcribe import DecodeOptions, Transcriber

    judged_by = _rubric(rubric)
    options = DecodeOptions(beam_size=beam_size)
    loaded: list[Transcriber] = []

    def transcriber() -> Transcriber:
        # Loaded on first use: a bad file is reported before the model costs a second.
        if not loaded:
            loaded.append(Transcriber(str(models.resolve(model)), name=model))
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
            task = progress.add_task("Scoring takes", total=len(files))
            for f in files:
                progress.update(task, description=f"Scoring {f.name}")
                try:
                    reports.append(
                        score_file(
                            f,
                            transcriber=transcriber,
                            context=context,
                            rubric=judged_by,
                            max_minutes=max_minutes,
                            options=options,
                        )
                    )
                except CoachError as exc:
                    failures.append((str(f), str(exc)))
                    err.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True)
                progress.advance(task)

    # Several takes in the terminal: the summary table, not a wall of reports.
    if reports and (as_json or not many):
        _emit(reports, as_json=as_json, many=many)
    if many and not as_json:
        from coach.render import summary_table

        out.print(summary_table(reports, failures))
    # Saved after showing: a store problem must not cost the rep the feedback.
    for report in reports:
        _save(store, report, context, card_id=card_id, max_minutes=max_minutes)
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

    from coach import models

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


DeviceOpt = Annotated[
    str | None,
    typer.Option(
        "--device", "-d", help="Microphone: an index or part of a name from `coach devices`."
    ),
]


@app.command()
def devices() -> None:
    """List the microphones coach record can use; * marks the default.

    Pick one with --device INDEX or a part of its name.

    Example: coach devices
    """
    from rich.table import Table

    from coach.record import choose_device, input_devices

    found = input_devices()
    choose_device(None, found)  # none at all: one clear error line
    table = Table(title="Input devices")
    table.add_column("", width=1)
    table.add_column("#", justify="right")
    table.add_column("Name")
    table.add_column("Host API")
    table.add_column("Channels", justify="right")
    table.add_column("Default rate", justify="right")
    for d in found:
        table.add_row(
            "*" if d.is_default else "",
            str(d.index),
            d.name + (" (default)" if d.is_default else ""),
            d.hostapi,
            str(d.channels),
            f"{d.default_rate} Hz",
        )
    out.print(table)


@app.command()
def record(
    touch: TouchOpt = None,
    scenario: ScenarioOpt = None,
    callback: CallbackOpt = None,
    rep_name: RepNameOpt = None,
    rep_company: RepCompanyOpt = None,
    rep_email: RepEmailOpt = None,
    prospect: ProspectOpt = None,
    prospect_company: ProspectCompanyOpt = None,
    situation: SituationOpt = None,
    device: DeviceOpt = None,
    max_seconds: Annotated[
        float,
        typer.Option("--max-seconds", min=1.0, help="Stop recording by itself after this long."),
    ] = 90.0,
    as_json: JsonOpt = False,
    model: Annotated[
        str, typer.Option("--model", "-m", help="base, tiny.en, or a CTranslate2 model folder.")
    ] = "base",
    beam_size: Annotated[
        int, typer.Option("--beam-size", min=1, help="Whisper beam width (1 is fastest).")
    ] = 5,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
    store: StoreOpt = None,
    no_save: NoSaveOpt = False,
) -> None:
    """Record a take from the microphone, then score it like coach score.

    A short countdown, then a level meter and a clock against the 30 s
    target. Enter or Ctrl-C stops and scores the take (a second Ctrl-C
    skips the scoring); so does --max-seconds. With stdin not a terminal
    there is no countdown and the take runs to --max-seconds. The take is
    written to COACH_HOME/takes/ (or the user data folder) as it is
    recorded, so nothing is lost; once scored it is saved to the practice
    store (see coach sessions) unless --no-save.

    Example: coach record --touch 1 --callback 415-555-0134
    """
    import os

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
    with _opened_store(store, save=not no_save) as saving:
        report = _record_take(
            context,
            _rubric(rubric),
            device=device,
            max_seconds=max_seconds,
            model=model,
            beam_size=beam_size,
        )
        if os.environ.get("COACH_TIMINGS"):
            timings = " ".join(f"{k}={v:.3f}" for k, v in report.timings.items())
            err.print(f"timings: {timings}", soft_wrap=True)
        _emit([report], as_json=as_json, many=False)
        # Saved after showing: a store problem must not cost the rep the feedback.
        _save(saving, report, context, card_id=card_id, max_minutes=15.0)
    raise SystemExit(_exit_code([report], strict=strict))


def _record_take(
    context: Context,
    judged_by: Rubric,
    *,
    device: str | None,
    max_seconds: float,
    model: str,
    beam_size: int,
) -> Report:
    """Record one take from the microphone and score it (shared by record and rehearse)."""
    import time
    from contextlib import AbstractContextManager, nullcontext

    from coach import live as lv
    from coach import models
    from coach.paths import data_dir
    from coach.record import Recorder, RecordError, find_device
    from coach.transcribe import DecodeOptions, Transcriber

    mic = find_device(device)
    folder = models.resolve(model)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    # The model loads and warms while the rep gets ready and speaks.
    live = lv.LiveTranscriber(
        lambda: Transcriber(str(folder), name=model), options=DecodeOptions(beam_size=beam_size)
    )
    try:
        if interactive:
            _countdown(mic.name)
        recorder = Recorder(
            mic,
            data_dir() / "takes",
            on_audio=live.feed,
            quiet_dbfs=judged_by.config("delivery").num("quiet_dbfs"),
        )
        with recorder:
            err.print(
                f"Recording from {mic.name!r} at {recorder.rate} Hz to {recorder.path}",
                soft_wrap=True,
            )
            _record_until_stopped(
                recorder,
                max_seconds=max_seconds,
                target_s=judged_by.config("length").num("max_s"),
                interactive=interactive,
            )
            stopped_at = time.perf_counter()
            problem = recorder.problem
        take = recorder.stop()
        problem = problem or recorder.problem  # a write failing while the queue drained
        if problem is not None:
            kept = f"the {take.seconds:.1f} s recorded are kept in {take.path}"
            raise RecordError(f"{problem} — {kept}" if take.seconds else problem)
        dropped = f" ({take.overflows} blocks dropped by an overloaded machine)"
        err.print(f"Saved take: {take.path}" + (dropped if take.overflows else ""), soft_wrap=True)
        spinner: AbstractContextManager[Any] = (
            err.status("Scoring…", spinner="dots") if interactive else nullcontext()
        )
        with spinner:
            return lv.score_take(
                take, live, context=context, rubric=judged_by, stopped_at=stopped_at
            )
    finally:
        live.close()


@app.command()
def rehearse(
    card_spec: Annotated[
        str,
        typer.Argument(
            metavar="CARD",
            help="A card id from `coach prompts`, or a .toml path.",
            show_default=False,
        ),
    ],
    takes: Annotated[
        list[Path] | None,
        typer.Option("--take", help="Score this recorded take instead of recording (repeatable)."),
    ] = None,
    script: Annotated[
        bool, typer.Option("--script", help="Show the card's script as a teleprompter.")
    ] = False,
    touch: TouchOpt = None,
    device: DeviceOpt = None,
    max_seconds: Annotated[
        float,
        typer.Option(
            "--max-seconds", min=1.0, help="Stop each recording by itself after this long."
        ),
    ] = 90.0,
    model: Annotated[
        str, typer.Option("--model", "-m", help="base, tiny.en, or a CTranslate2 model folder.")
    ] = "base",
    beam_size: Annotated[
        int, typer.Option("--beam-size", min=1, help="Whisper beam width (1 is fastest).")
    ] = 5,
    as_json: JsonOpt = False,
    rubric: RubricOpt = None,
    store: StoreOpt = None,
    no_save: NoSaveOpt = False,
) -> None:
    """Rehearse a scenario: read the brief, record, compare with the script, retake.

    After each take: Enter records a retake, k keeps this take, q quits (the
    best take so far is the one kept). With --take FILE the same flow runs
    over recorded takes, without a microphone. Every take is saved to the
    practice store (see coach sessions) unless --no-save.

    Example: coach rehearse acme-t1 --script
    """
    from coach.scenario import find_card

    card = find_card(card_spec)
    context = _context(touch=touch, scenario=card_spec, callback=None)
    judged_by = _rubric(rubric)
    with _opened_store(store, save=not no_save) as saving:
        _rehearse(
            card,
            context=context,
            judged_by=judged_by,
            takes=takes,
            script=script,
            device=device,
            max_seconds=max_seconds,
            model=model,
            beam_size=beam_size,
            as_json=as_json,
            store=saving,
        )


def _rehearse(
    card: Card,
    *,
    context: Context,
    judged_by: Rubric,
    takes: list[Path] | None,
    script: bool,
    device: str | None,
    max_seconds: float,
    model: str,
    beam_size: int,
    as_json: bool,
    store: Store | None,
) -> None:
    """The body of coach rehearse, once the store is open."""
    from coach.pipeline import score_file
    from coach.rehearse import best_take, compare_script, compare_takes
    from coach.render import brief_panel, comparison_view, delta_line, report_view
    from coach.report import to_json
    from coach.transcribe import DecodeOptions, Transcriber

    show = not as_json
    if show:
        out.print(brief_panel(card, show_script=script))

    reports: list[Report] = []
    comparisons = []
    loaded: list[Transcriber] = []

    def transcriber() -> Transcriber:
        from coach import models

        if not loaded:
            loaded.append(Transcriber(str(models.resolve(model)), name=model))
        return loaded[0]

    def judged(report: Report) -> None:
        reports.append(report)
        comparison = compare_script(card.brief.script or " ", report.transcript, card)
        comparisons.append(comparison)
        if show:
            out.print(report_view(report))
            if card.brief.script:
                out.print(comparison_view(comparison))
            out.print(delta_line(compare_takes(reports)[-1]))
        _save(store, report, context, card_id=card.id, max_minutes=15.0)

    kept: int | None = None
    if takes:
        for path in takes:
            judged(
                score_file(
                    path,
                    transcriber=transcriber,
                    context=context,
                    rubric=judged_by,
                    max_minutes=15,
                    options=DecodeOptions(beam_size=beam_size),
                )
            )
    else:
        while True:
            judged(
                _record_take(
                    context,
                    judged_by,
                    device=device,
                    max_seconds=max_seconds,
                    model=model,
                    beam_size=beam_size,
                )
            )
            choice = _ask("Enter: retake · k: keep this take · q: quit")
            if choice == "k":
                kept = len(reports) - 1
                break
            if choice != "":
                break
    chosen = kept if kept is not None else best_take(reports)
    if as_json:
        payload = {
            "schema": "coach.rehearsal/1",
            "card": card.id,
            "takes": [to_json(r) for r in reports],
            "script_similarity": [round(c.similarity, 1) for c in comparisons],
            "kept": chosen,
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    best = reports[chosen]
    why = "kept" if kept is not None else "best"
    out.print(
        f"[bold]Take {chosen + 1} {why}[/]: {best.score}/100 — {best.source}"
        + (f" ({len(reports)} takes)" if len(reports) > 1 else "")
    )


def _ask(prompt: str) -> str | None:
    """Read the rep's choice: "" (Enter), a letter, or None at end of input."""
    err.print(prompt, end=" ")
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):
        return None
    if not line:
        err.print()
        return None
    return line.strip().lower()


def _countdown(device: str, seconds: int = 3) -> None:
    import time

    from rich.live import Live

    from coach.live import countdown_view

    with Live(countdown_view(seconds, device=device), console=err, transient=True) as view:
        for n in range(seconds, 0, -1):
            view.update(countdown_view(n, device=device))
            time.sleep(0.6)


def _record_until_stopped(
    recorder: Recorder, *, max_seconds: float, target_s: float, interactive: bool
) -> None:
    """Wait for Enter, Ctrl-C, --max-seconds or a failing microphone; show the live view."""
    import threading
    import time

    def done() -> bool:
        return recorder.elapsed_s >= max_seconds or recorder.problem is not None

    try:
        if not interactive:
            while not done():
                time.sleep(0.05)
            return
        from rich.live import Live

        from coach.live import live_view

        enter = threading.Event()

        def wait_for_enter() -> None:
            sys.stdin.readline()
            enter.set()

        threading.Thread(target=wait_for_enter, name="coach-enter", daemon=True).start()

        def view() -> Any:
            return live_view(
                recorder.status(),
                device=recorder.device.name,
                target_s=target_s,
                max_s=max_seconds,
                interactive=True,
            )

        with Live(view(), console=err, refresh_per_second=12, transient=True) as shown:
            while not enter.is_set() and not done():
                shown.update(view())
                time.sleep(0.05)
    except KeyboardInterrupt:
        pass  # Ctrl-C stops the take like Enter; the caller scores it


profile_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None)
app.add_typer(profile_app, name="profile")


@profile_app.callback()
def profile_cmd(ctx: typer.Context) -> None:
    """Your rep profile: name, company, callback number, email and pace, used for every take.

    Stored in COACH_HOME/profile.toml (or the user config folder). A scenario
    card's [rep] overrides it field by field; flags override both. Without a
    subcommand, shows it.

    Example: coach profile set --name "Chris Walker" --phone 415-555-0134
    """
    if ctx.invoked_subcommand is None:
        from coach.profile import load_profile

        _show_profile(load_profile())


@profile_app.command("set")
def profile_set(
    name: Annotated[str | None, typer.Option("--name", help="Your name.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Your company.")] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help="Your callback number (e.g. 415-555-0134).")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Your email address.")] = None,
    target_wpm: Annotated[
        float | None,
        typer.Option(
            "--target-wpm", min=60, max=300, help="Your speaking pace, to time written scripts."
        ),
    ] = None,
) -> None:
    """Set your profile; only the fields you give change.

    Example: coach profile set --company "Northwind Logistics" --target-wpm 140
    """
    from coach.profile import load_profile, save_profile, update_profile

    changes = dict(name=name, company=company, phone=phone, email=email, target_wpm=target_wpm)
    if all(v is None for v in changes.values()):
        raise CoachError(
            "nothing to set — give --name, --company, --phone, --email or --target-wpm"
        )
    profile = update_profile(load_profile(), **changes)
    path = save_profile(profile)
    err.print(f"Saved {escape(str(path))}", soft_wrap=True)
    _show_profile(profile)


@profile_app.command("show")
def profile_show() -> None:
    """Show your profile and where it is stored.

    Example: coach profile show
    """
    from coach.profile import load_profile

    _show_profile(load_profile())


def _show_profile(profile: Profile) -> None:
    from coach.profile import profile_path

    path = profile_path()
    if profile.empty:
        out.print(f"No profile yet ({path} does not exist). Set it once with:", markup=False)
        out.print(
            '  coach profile set --name "Chris Walker" --company "Northwind Logistics" '
            "--phone 415-555-0134 --email chris@northwind.example",
            markup=False,
            soft_wrap=True,
        )
        return
    wpm = f"{profile.target_wpm:g}" if profile.target_wpm is not None else "150 (default)"
    rows = [
        ("name", profile.name),
        ("company", profile.company),
        ("phone", profile.phone),
        ("email", profile.email),
        ("target wpm", wpm),
    ]
    out.print(f"Profile ({path})", markup=False, soft_wrap=True)
    for label, value in rows:
        out.print(f"  {label:<11} {value or '—'}", markup=False, soft_wrap=True)


prompts_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None)
app.add_typer(prompts_app, name="prompts")


@prompts_app.callback()
def prompts_cmd(ctx: typer.Context) -> None:
    """List the practice cards: the packaged ones and your own.

    Your own cards go in COACH_HOME/prompts (or the prompts folder in the user
    data folder); one with the same id as a packaged card replaces it. Use an
    id anywhere a card is asked for: --scenario acme-t1.

    Example: coach prompts
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from coach.scenario import card_folders, list_cards

    cards, problems = list_cards()
    for _, problem in problems:
        err.print(f"Warning: skipped {problem}", markup=False, soft_wrap=True)
    if not cards:
        folders = ", ".join(str(f) for f in card_folders())
        out.print(f"No practice cards found (looked in: {folders}).", markup=False)
        return
    table = Table(title="Practice cards")
    table.add_column("Id", no_wrap=True)
    table.add_column("Title")
    table.add_column("Touch", justify="right")
    table.add_column("Prospect")
    for card in cards:
        table.add_row(
            escape(card.id), escape(card.title), str(card.touch), escape(_prospect_line(card))
        )
    out.print(table)
    out.print("Show one: coach prompts show ID; practise it: coach record --scenario ID")


@prompts_app.command("show")
def prompts_show(
    card_id: Annotated[
        str, typer.Argument(metavar="ID", help="A card id from coach prompts, or a .toml path.")
    ],
) -> None:
    """Show one practice card: who calls whom, the offer, the brief and the script.

    Example: coach prompts show acme-t1
    """
    from coach.scenario import find_card

    card = find_card(card_id)
    rep = ", ".join(
        v for v in (card.rep.name, card.rep.company, card.rep.phone, card.rep.email) if v
    )
    lines = [
        f"{card.id} — {card.title}",
        f"Card:     {card.path}",
        f"Touch:    {card.touch}",
        f"Rep:      {rep or 'from your profile'}",
        f"Prospect: {_prospect_line(card) or '—'}",
    ]
    if card.prospect.situation:
        lines.append(f"          {card.prospect.situation}")
    if card.offer.value:
        lines.append(f"Offer:    {card.offer.value}")
    if card.offer.proof:
        lines.append(f"Proof:    {card.offer.proof}")
    if card.brief.text:
        lines += ["", "Brief:", f"  {card.brief.text}"]
    if card.brief.script:
        lines += ["", "Script:", f"  {card.brief.script}"]
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)


def _prospect_line(card: Card) -> str:
    p = card.prospect
    return ", ".join(v for v in (p.name, p.title, p.company) if v)


sessions_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None)
app.add_typer(sessions_app, name="sessions")

SessionIdArg = Annotated[
    int, typer.Argument(metavar="ID", help="A session id from coach sessions.", show_default=False)
]


@sessions_app.callback()
def sessions_cmd(
    ctx: typer.Context,
    rep: Annotated[
        str | None, typer.Option("--rep", help="Only this rep's takes (any case).")
    ] = None,
    touch: Annotated[
        int | None, typer.Option("--touch", "-t", min=1, help="Only takes for this touch.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="YYYY-MM-DD", help="Only takes from this day on (UTC)."),
    ] = None,
    min_score: Annotated[
        int | None,
        typer.Option("--min-score", min=0, max=100, help="Only takes scoring at least this."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print coach.sessions/1 JSON instead.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """List your saved practice takes, newest first: when, rep, card, touch, score, top fix.

    Every take coach score, record and rehearse score is saved (unless
    --no-save) in COACH_HOME/coach.db, with a FLAC copy of its audio beside
    it. Without a subcommand, lists them.

    Example: coach sessions --touch 1 --since 2025-03-01 --min-score 70
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = store
        return
    from datetime import date

    from rich.table import Table

    from coach.render import score_style
    from coach.store import Store

    day: date | None = None
    if since is not None:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            raise CoachError(
                f"--since {since!r} is not a date — use YYYY-MM-DD, e.g. 2025-03-01"
            ) from None
    with Store(store) as opened:
        found = opened.sessions(rep=rep, touch=touch, since=day, min_score=min_score)
        path = opened.path
    if as_json:
        payload = {
            "schema": "coach.sessions/1",
            "store": str(path),
            "sessions": [s.summary() for s in found],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    if not found:
        filtered = any(v is not None for v in (rep, touch, since, min_score))
        out.print(
            f"No sessions match in {path}."
            if filtered
            else f"No saved sessions yet in {path}. Score a take: coach score take.m4a",
            markup=False,
            soft_wrap=True,
        )
        return
    table = Table(title=f"Practice sessions ({len(found)})")
    table.add_column("Id", justify="right")
    table.add_column("When", no_wrap=True)
    table.add_column("Rep")
    table.add_column("Card")
    table.add_column("Touch", justify="right")
    table.add_column("Score", justify="right")
    table.add_column("Top fix")
    for s in found:
        table.add_row(
            str(s.id),
            _local_time(s.created_at),
            escape(s.rep) or "—",
            escape(s.card_id) or "—",
            str(s.touch) if s.touch is not None else "—",
            f"[{score_style(s.score)}]{s.score}[/]",
            escape(s.top_fix) or "—",
        )
    out.print(table)
    out.print("Show one: coach sessions show ID; remove one: coach sessions delete ID")


def _local_time(created_at: str) -> str:
    """A stored UTC time (``2025-03-01T09:30:00Z``) as local ``2025-03-01 10:30``."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(created_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return created_at


@sessions_app.command("show")
def sessions_show(
    ctx: typer.Context,
    session_id: SessionIdArg,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Show a saved take's report, as coach score printed it.

    Example: coach sessions show 12
    """
    from coach.store import Store

    with Store(store or ctx.obj) as opened:
        session = opened.get(session_id)
    if as_json:
        sys.stdout.write(json.dumps(json.loads(session.report_json), indent=2) + "\n")
        return
    who = ", ".join(
        v
        for v in (
            session.rep,
            f"card {session.card_id}" if session.card_id else "",
            f"for {session.prospect}" if session.prospect else "",
        )
        if v
    )
    out.print(
        f"Session {session.id} — {_local_time(session.created_at)}" + (f" — {who}" if who else ""),
        markup=False,
        soft_wrap=True,
    )
    if session.audio is not None:
        out.print(f"Audio: {session.audio}", markup=False, soft_wrap=True)
    _emit([session.report], as_json=False, many=False)


@sessions_app.command("delete")
def sessions_delete(
    ctx: typer.Context,
    session_id: SessionIdArg,
    store: StoreOpt = None,
) -> None:
    """Remove a saved take and its audio copy (the original file is left alone).

    Example: coach sessions delete 12
    """
    from coach.store import Store

    with Store(store or ctx.obj) as opened:
        session = opened.delete(session_id)
    out.print(f"Deleted session {session.id} ({session.source})", markup=False, soft_wrap=True)


def main() -> None:
    """Console-script entry point."""
    app()
