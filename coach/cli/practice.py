"""Commands that use the microphone: devices, record, rehearse."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coach.cli.common import (
    _card_id,
    _context,
    _emit,
    _exit_code,
    _history,
    _opened_store,
    _rubric,
    _save,
    _sending,
    _with_cadence,
)
from coach.cli.options import (
    BeamSizeOpt,
    CallbackOpt,
    CardOpt,
    CoachCommand,
    DetailsOpt,
    JsonOpt,
    ModelOpt,
    NoSaveOpt,
    PhoneLineOpt,
    ProspectCompanyOpt,
    ProspectOpt,
    RehearsalJsonOpt,
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

if TYPE_CHECKING:
    from coach.context import Context
    from coach.practice.cards import Card
    from coach.practice.record import Recorder
    from coach.practice.rehearse import Replay
    from coach.report import Report
    from coach.rubric.config import Rubric
    from coach.team.store import Store

app = typer.Typer()


DeviceOpt = Annotated[
    str | None,
    typer.Option(
        "--device",
        "-d",
        metavar="DEVICE",
        help="Microphone: an index or part of a name from `coach devices`.",
    ),
]


@app.command()
def devices() -> None:
    """List the microphones coach record can use; * marks the default.

    Pick one with --device INDEX or a part of its name.

    Example: coach devices
    """
    from rich.table import Table

    from coach.practice.record import choose_device, input_devices

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
    card: CardOpt = None,
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
    details: DetailsOpt = False,
    model: ModelOpt = "base",
    beam_size: BeamSizeOpt = 5,
    rubric: RubricOpt = None,
    strict: StrictOpt = False,
    phone_line: PhoneLineOpt = False,
    store: StoreOpt = None,
    no_save: NoSaveOpt = False,
    sent: SentOpt = False,
    sent_on: SentOnOpt = None,
) -> None:
    """Record a take from the microphone, then score it like coach score.

    A 3-2-1 countdown, then a level meter and a clock against the 30 s
    target. Enter or Ctrl-C stops and scores the take (a second Ctrl-C
    skips the scoring); so does --max-seconds. With stdin not a terminal
    the take runs to --max-seconds. The take is
    written to COACH_HOME/takes/ (or the user data folder) as it is
    recorded, so nothing is lost; once scored it is saved to the practice
    store (see coach sessions) unless --no-save. --sent logs it as left for
    the prospect (see coach score --help).

    Example: coach record --touch 1 --callback 415-555-0134
    """
    import os

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
    judged_by = _rubric(rubric)
    sending = _sending(sent, sent_on, save=not no_save, context=context)
    with (
        _opened_store(store, save=not no_save) as saving,
        _history(store, saving) as history,
    ):
        context = _with_cadence(context, history, sending, touch_given=touch is not None)
        report = _record_take(
            context,
            judged_by,
            device=device,
            max_seconds=max_seconds,
            model=model,
            beam_size=beam_size,
            phone_line=phone_line,
        )
        if os.environ.get("COACH_TIMINGS"):
            timings = " ".join(f"{k}={v:.3f}" for k, v in report.timings.items())
            err.print(f"timings: {timings}", soft_wrap=True)
        _emit([report], as_json=as_json, many=False, details=details)
        # Saved after showing: a store problem must not cost the rep the feedback.
        _save(
            saving,
            report,
            context,
            card_id=card_id,
            max_minutes=15.0,
            rubric=judged_by,
            sending=sending,
        )
    raise SystemExit(_exit_code([report], strict=strict))


def _record_take(
    context: Context,
    judged_by: Rubric,
    *,
    device: str | None,
    max_seconds: float,
    model: str,
    beam_size: int,
    phone_line: bool = False,
) -> Report:
    """Record one take from the microphone and score it (shared by record and rehearse)."""
    import time
    from contextlib import AbstractContextManager, nullcontext

    from coach.paths import data_dir
    from coach.practice import live as lv
    from coach.practice.record import Recorder, RecordError, find_device
    from coach.speech import models
    from coach.speech.transcribe import DecodeOptions, Transcriber

    mic = find_device(device)
    folder = models.resolve(model)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    # The model loads and warms while the rep gets ready and speaks.
    # The same decoding coach score uses for this card: hotwords included.
    options = DecodeOptions(
        beam_size=beam_size, hotwords=context.hotwords(), callback=context.callback_digits()
    )
    live = lv.LiveTranscriber(lambda: Transcriber(str(folder), name=model), options=options)
    try:
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
                take,
                live,
                context=context,
                rubric=judged_by,
                stopped_at=stopped_at,
                phone_line=phone_line,
            )
    finally:
        live.close()


@app.command(cls=CoachCommand)
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
    model: ModelOpt = "base",
    beam_size: BeamSizeOpt = 5,
    as_json: RehearsalJsonOpt = False,
    details: DetailsOpt = False,
    rubric: RubricOpt = None,
    phone_line: PhoneLineOpt = False,
    store: StoreOpt = None,
    no_save: NoSaveOpt = False,
) -> None:
    """Rehearse a card: read the brief, record, compare with the script, retake.

    Every take starts after a 3-2-1 countdown; with --script the script is
    shown again before each retake. After each take: Enter records a
    retake, p plays the take back (p N: take N; Ctrl-C stops it), k keeps
    the best-scoring take, k N keeps take N, q quits (keeping the best).
    With --take FILE the same flow runs over recorded takes, without a
    microphone. Every take is saved to the
    practice store (see coach sessions) unless --no-save.

    Example: coach rehearse acme-t1 --script
    """
    from coach.practice.cards import find_card

    context = _context(touch=touch, card=card_spec, callback=None)
    card = find_card(card_spec).played_by(context.rep)
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
            details=details,
            store=saving,
            phone_line=phone_line,
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
    details: bool,
    store: Store | None,
    phone_line: bool = False,
) -> None:
    """The body of coach rehearse, once the store is open."""
    from coach.pipeline import score_file
    from coach.practice.rehearse import (
        Replay,
        best_take,
        compare_script,
        compare_takes,
        kept_line,
    )
    from coach.report import to_json
    from coach.speech.transcribe import DecodeOptions, Transcriber
    from coach.views.terminal import (
        brief_panel,
        compact_view,
        comparison_view,
        delta_line,
        report_view,
        script_panel,
    )

    show = not as_json
    if show:
        out.print(brief_panel(card, show_script=script))

    reports: list[Report] = []
    comparisons = []
    loaded: list[Transcriber] = []

    def transcriber() -> Transcriber:
        from coach.speech import models

        if not loaded:
            loaded.append(Transcriber(str(models.resolve(model)), name=model))
        return loaded[0]

    def judged(report: Report) -> None:
        reports.append(report)
        comparison = compare_script(card.brief.script or " ", report.transcript, card)
        comparisons.append(comparison)
        if show:
            out.print(report_view(report) if details else compact_view(report))
            if card.brief.script:
                out.print(comparison_view(comparison))
            out.print(delta_line(compare_takes(reports)[-1]))
        _save(store, report, context, card_id=card.id, max_minutes=15.0, rubric=judged_by)

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
                    phone_line=phone_line,
                )
            )
    else:
        while True:
            if reports and show and script and card.brief.script:
                out.print(script_panel(card))  # the script again, before the retake
            judged(
                _record_take(
                    context,
                    judged_by,
                    device=device,
                    max_seconds=max_seconds,
                    model=model,
                    beam_size=beam_size,
                    phone_line=phone_line,
                )
            )
            choice = _choose(len(reports))
            while isinstance(choice, Replay):
                _replay(reports[choice.take], choice.take)
                choice = _choose(len(reports))
            if choice == "retake":
                continue
            if choice == "best":
                kept = best_take(reports)
            elif isinstance(choice, int):
                kept = choice
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
    out.print(kept_line(reports, chosen, chosen_by_rep=kept is not None), markup=False)


def _choose(takes: int) -> int | str | Replay:
    """Ask what next after take ``takes``: "retake", "quit", the index (0-based) to keep,
    or a take to hear again.

    ``k`` keeps the best-scoring take, ``k N`` take N; ``p`` plays the last
    take back, ``p N`` take N; end of input quits (the best take is kept).
    """
    from coach.practice.rehearse import parse_choice

    while True:
        answer = _ask(
            "Enter: retake · p: play it back (p N: take N) · k: keep the best take "
            "(k N: take N) · q: quit"
        )
        choice = parse_choice(answer, takes=takes)
        if choice != "again":
            return choice
        err.print(f"No such choice: {answer!r} — Enter, q, p, k, or p/k 1 to {takes}", markup=False)


def _replay(report: Report, index: int) -> None:
    """Play take ``index`` (0-based) back; one that cannot be played is a warning, not the end."""
    from coach.cli.playing import play_take
    from coach.errors import CoachError
    from coach.rubric.checks import clock

    try:
        stopped = play_take(Path(report.source), start_s=0.0, what=f"take {index + 1}")
    except CoachError as exc:
        err.print(f"Cannot play take {index + 1}: {exc}", markup=False, soft_wrap=True)
        return
    if stopped is not None:
        err.print(f"Stopped at {clock(stopped)}.", markup=False)


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

    from coach.views.live import countdown_view

    if not err.is_terminal:
        # No screen to redraw (a pipe, a log): say it once, and wait all the same.
        steps = " ".join(f"{n}…" for n in range(seconds, 0, -1))
        err.print(f"Get ready — recording from {device} in {steps}", markup=False)
        time.sleep(0.6 * seconds)
        return
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

        from coach.views.live import live_view

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
