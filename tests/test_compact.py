"""What a rep reads after a take, in the terminal: the metrics, and the compact default (#16).

Reports are built without the Whisper model: hand-timed words over measured
or hand-made acoustics, judged by the real rubric; rendered by rich into a
console of a given width, and read back as text.
"""

from __future__ import annotations

import functools
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console, Group, RenderableType

from coach.context import Context, Prospect, Rep
from coach.pipeline import judge_take
from coach.report import Report
from coach.rubric.checks import Take
from coach.rubric.config import load_rubric
from coach.speech.acoustics import Acoustics
from coach.speech.numbers import find_phone_numbers
from coach.speech.transcribe import Transcript
from coach.views.terminal import (
    checks_table,
    compact_view,
    duration_text,
    metrics_table,
    report_view,
    summary_table,
)
from tests.test_rules_audio import words_at

RUBRIC = load_rubric()

GOOD = (
    "Hi Dana, it's Chris Walker with Northwind Logistics, 415-555-0134. "
    "I'm calling because Globex halved the time they spend reconciling freight invoices "
    "and I think Acme could too. Worth a short call? Again, Chris at 415-555-0134."
)


def recorded(
    text: str,
    *,
    lead: float = 0.5,
    trail: float = 0.5,
    per_word: float = 0.4,
    touch: int = 1,
    **acoustic: object,
) -> Report:
    """``text`` as a recorded take by Chris Walker for Dana Reyes at Acme.

    Words are back to back from ``lead`` seconds, ``per_word`` each (a written
    phone number takes 3.5 s, as when read in groups); ``trail`` seconds of
    quiet follow the last one.
    """
    words = words_at(text, start=lead, per_word=per_word)
    t = words[-1].end if words else lead
    sounds = Acoustics(
        duration_s=round(t + trail, 3),
        speech_s=round(t - lead, 3),
        leading_silence_s=lead,
        trailing_silence_s=trail,
        pauses=(),
        pitch_variation_st=3.5,
        pitch_median_hz=180.0,
        loudness_dbfs=-20.0,
        peak_dbfs=-3.0,
        clipped_fraction=0.0,
    )
    sounds = replace(sounds, **acoustic)  # type: ignore[arg-type]
    rep = Rep(name="Chris Walker", company="Northwind Logistics", phone="415-555-0134")
    context = Context(touch, rep, Prospect(name="Dana Reyes", company="Acme"))
    take = Take(Transcript(text, tuple(words)), sounds, tuple(find_phone_numbers(words)), context)
    return judge_take(take, RUBRIC, source="take.wav", model="base", timings={})


def render(renderable: RenderableType, *, width: int = 80) -> str:
    """What ``renderable`` prints in a terminal ``width`` columns wide."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _check(report: Report, check_id: str) -> str:
    return next(c.message for c in report.checks if c.id == check_id)


# -- metrics ---------------------------------------------------------------------


def test_the_duration_says_how_it_differs_from_the_message() -> None:
    """The tester saw "Duration 34.0 s" beside "the message runs 27 s" with no word on why."""
    report = recorded(" ".join(["word"] * 54), per_word=0.5, lead=5.0, trail=2.0)
    assert report.metrics.duration_s == 34.0 and report.metrics.message_s == 27.0
    assert "The message runs 27 s" in _check(report, "length")
    assert (
        duration_text(report)
        == "34.0 s (the message runs 27 s; 5.0 s quiet before it, 2.0 s after)"
    )
    assert "the message runs 27 s; 5.0 s quiet before it" in render(
        metrics_table(report), width=120
    )


def test_the_duration_alone_where_the_two_agree() -> None:
    report = recorded(" ".join(["word"] * 54), per_word=0.5, lead=0.2, trail=0.2)
    assert duration_text(report) == "27.4 s"


def test_quiet_at_one_end_only_is_named_as_such() -> None:
    report = recorded(" ".join(["word"] * 54), per_word=0.5, lead=0.0, trail=4.0)
    assert duration_text(report) == "31.0 s (the message runs 27 s; 4.0 s quiet after it)"


def test_the_length_check_and_the_metrics_never_disagree_on_the_message() -> None:
    """Both read one number: on the edge of rounding (26.5 s) they still say the same."""
    shown = 0
    for lead, trail in ((0.5, 0.5), (3.0, 0.004), (1.2345, 2.2205), (0.0, 0.0)):
        report = recorded(" ".join(["word"] * 53), per_word=0.5, lead=lead, trail=trail)
        assert f"The message runs {report.metrics.message_s:.0f} s" in _check(report, "length")
        beside = re.search(r"the message runs (\d+) s", duration_text(report))
        if beside:
            shown += 1
            assert f"The message runs {beside.group(1)} s" in _check(report, "length")
    assert shown == 3


def test_a_number_in_the_metrics_reads_as_in_the_checks() -> None:
    """Metrics showed "4155550134" where the checks said "415-555-0134"."""
    report = recorded(GOOD)
    shown = render(metrics_table(report), width=120)
    assert "415-555-0134 at 0:" in shown and "4155550134" not in shown
    assert "415-555-0134" in _check(report, "callback_number")
    batch = render(summary_table([report, report], []), width=120)
    assert "415-555-0134, 415-555-0134" in batch and "4155550134" not in batch


# -- the compact default -----------------------------------------------------------

#: a take that gets about everything wrong: late, rushed, mumbled, no reason, a 4th voicemail
BAD = (
    "Um hi, uh, um, just checking in, did you get my email? Uh, you know, "
    + " ".join(["um", "so", "yeah"] * 12)
    + " call me back at 212-867-5309, thanks."
)


#: the takes :func:`reports` builds, named here so that collecting the tests measures nothing
NAMES = (
    "good take",
    "bad take",
    "good script",
    "weak script",
    "t1_buried_slt",
    "t2_did_you_get_espeak",
)


@functools.cache
def reports() -> dict[str, Report]:
    """Takes of every kind: good, middling and bad; recorded, measured and written.

    Built on first use, once a process (two fixtures are measured for real).
    """
    from coach.speech.audio import load
    from tests.conftest import FIXTURES
    from tests.scripts import GOOD as SCRIPT
    from tests.scripts import WEAK, script_report

    built = {
        "good take": recorded(GOOD),
        "bad take": recorded(
            BAD, lead=4.0, per_word=0.15, touch=4, loudness_dbfs=-45.0, pitch_variation_st=0.5
        ),
        "good script": script_report(SCRIPT),
        "weak script": script_report(WEAK),
    }
    # Two fixtures' audio, measured for real, with their script as the transcript.
    from coach.pipeline import score_transcribed

    rep = Rep(name="Chris Walker", company="Northwind Logistics", phone="415-555-0134")
    for name, touch in (("t1_buried_slt", 1), ("t2_did_you_get_espeak", 2)):
        text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
        built[name] = score_transcribed(
            load(FIXTURES / f"{name}.flac"),
            Transcript.from_text(text, wpm=150),
            model="base",
            context=Context(touch, rep, Prospect(name="Dana Reyes", company="Acme")),
            rubric=RUBRIC,
        )
    assert tuple(built) == NAMES
    return built


def _problems(report: Report) -> list[str]:
    return [c.id for c in report.checks if c.status in ("warn", "fail")]


def test_the_takes_cover_good_middling_and_bad() -> None:
    bands = {r.score_band for r in reports().values()}
    assert bands == {"green", "amber", "red"}
    assert len(_problems(reports()["bad take"])) >= 10


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [80, 120])
def test_a_take_fits_in_40_rows(name: str, width: int) -> None:
    """The tester's 40-row screen lost "Fix first" to a 90-line report."""
    shown = render(compact_view(reports()[name]), width=width)
    assert len(shown.splitlines()) <= 40, shown
    assert max(len(line) for line in shown.splitlines()) <= width


@pytest.mark.parametrize("name", NAMES)
def test_the_compact_view_holds_what_to_fix_and_nothing_more(name: str) -> None:
    report = reports()[name]
    shown = render(compact_view(report))
    lines = shown.splitlines()
    assert f"{report.score}/100 {report.score_band}" in lines[0]
    # At most three fixes, each naming what it is about, in the report's order.
    numbered = [line for line in lines if re.match(r"│ \d\. ", line)]
    assert len(numbered) == len(report.fixes[:3]) <= 3
    for i, fix in enumerate(report.fixes[:3], 1):
        assert fix.split()[0] in numbered[i - 1] and f"│ {i}. " in numbered[i - 1]
    # One line per check that failed or warned, and only those.
    flagged = [line for line in lines if re.match(r"│ [✘!] ", line)]
    assert [line.split()[2] for line in flagged] == _problems(report)
    for line in flagged:
        following = lines[lines.index(line) + 1]
        assert re.match(r"│ ([✘!✔] |Checked|Not checked)", following), "a finding wrapped"
    # A strength or two, one line each; no table, no transcript, no metrics.
    strengths = [line for line in lines if line.startswith("│ ✔ ")]
    assert 1 <= len(strengths) <= 2 and len(strengths) <= len(report.strengths)
    assert strengths[0].startswith(f"│ ✔ {report.strengths[0][:30]}")
    for absent in ("Metrics", "Checks", "What you said", "Your script (timed", "What to do"):
        assert absent not in shown
    assert "--details" in lines[-1]


def test_the_bad_take_leads_with_the_rules_it_breaks_and_its_fixes() -> None:
    report = reports()["bad take"]
    lines = render(compact_view(report)).splitlines()
    assert "Never green while it breaks a rule" in lines[1]
    assert "a 4th voicemail" in " ".join(lines[1:3])
    assert "Fix first" in "".join(lines[:5])  # within the first screenful, well above row 40


def test_the_details_give_transcript_metrics_and_every_check() -> None:
    report = reports()["t1_buried_slt"]
    shown = render(report_view(report), width=120)
    for part in ("What you said", "Metrics", "Checks", "Speaking time", "What to do"):
        assert part in shown
    assert all(c.id in shown for c in report.checks)
    # The findings and the strengths are in the table, not also in one-liners above it.
    assert not re.search(r"^│ [✘!✔] \w", shown, re.MULTILINE)
    assert shown.count(report.strengths[0][:40]) == 1


def test_a_passing_row_has_nothing_under_what_to_do() -> None:
    for report in reports().values():
        table = checks_table(report)
        marks = [str(cell) for cell in table.columns[0].cells]
        advice = [str(cell) for cell in table.columns[3].cells]
        passed = [a for m, a in zip(marks, advice, strict=True) if m == "✔"]
        assert passed and all(a == "" for a in passed)
        assert all(a for m, a in zip(marks, advice, strict=True) if m in ("✘", "!"))


def test_a_take_checked_against_nobody_says_so() -> None:
    from coach.pipeline import check_script

    report = check_script(GOOD, source="notes.txt", context=Context(touch=1), rubric=RUBRIC)
    assert report.identity is None
    assert "Not checked against your name or number" in render(compact_view(report))


def test_a_rehearsed_take_fits_in_40_rows_with_its_comparison() -> None:
    """In coach rehearse each take adds the script comparison and the progress line."""
    from coach.practice.cards import find_card
    from coach.practice.rehearse import compare_script, compare_takes
    from coach.views.terminal import comparison_view, delta_line

    card = find_card("acme-t1")
    for name in ("bad take", "t1_buried_slt"):
        report = reports()[name]
        comparison = compare_script(card.brief.script, report.transcript, card)
        shown = render(
            Group(
                compact_view(report),
                comparison_view(comparison),
                delta_line(compare_takes([report])[-1]),
            )
        )
        assert len(shown.splitlines()) <= 40, shown


# -- the commands ------------------------------------------------------------------------


def _fake_scoring(monkeypatch: pytest.MonkeyPatch, report: Report) -> None:
    """Every take scores as ``report``: the commands' showing, without the model."""
    import coach.cli.practice
    import coach.pipeline

    monkeypatch.setattr(coach.pipeline, "score_file", lambda *args, **kwargs: report)
    monkeypatch.setattr(coach.cli.practice, "_record_take", lambda *args, **kwargs: report)


COMMANDS = {
    "score": ["score", "take.wav", "--no-save"],
    "record": ["record", "--no-save"],
    "rehearse": ["rehearse", "acme-t1", "--take", "take.wav", "--no-save"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_score_record_and_rehearse_show_the_compact_view(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    report = reports()["t2_did_you_get_espeak"]
    _fake_scoring(monkeypatch, report)
    runner = CliRunner()
    compact = runner.invoke(app, COMMANDS[command], env={"COLUMNS": "80"})
    assert compact.exit_code == 0, compact.output
    assert "Fix first" in compact.stdout and "--details" in compact.stdout
    assert "What you said" not in compact.stdout and "Metrics" not in compact.stdout
    lines = compact.stdout.splitlines()
    # The take's result (in rehearse: after the card's brief, up to the progress line).
    first = next(i for i, line in enumerate(lines) if f"{report.score}/100" in line)
    last = next((i for i, line in enumerate(lines) if line.startswith("Take 1:")), len(lines))
    assert len(lines[first : last + 1]) <= 40, compact.stdout
    assert "t2_did_you_get_espeak.flac  ·  touch #2" in lines[first]
    details = runner.invoke(app, [*COMMANDS[command], "--details"], env={"COLUMNS": "80"})
    assert details.exit_code == 0, details.output
    for part in ("Fix first", "What you said", "Metrics", "Checks", "What to do"):
        assert part in details.stdout


def test_check_shows_the_compact_view_and_details_on_request(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coach.cli import app
    from tests.scripts import WEAK

    script = tmp_path / "script.txt"
    script.write_text(WEAK, encoding="utf-8")
    runner = CliRunner()
    compact = runner.invoke(app, ["check", str(script), "--rep-name", "Chris Walker"])
    assert compact.exit_code == 0, compact.output
    assert "Fix first" in compact.stdout and "Your script (timed" not in compact.stdout
    assert "✘ purpose" in compact.stdout and len(compact.stdout.splitlines()) <= 40
    details = runner.invoke(app, ["check", str(script), "--rep-name", "Chris Walker", "--details"])
    assert "Your script (timed at your pace)" in details.stdout and "Checks" in details.stdout


def test_a_saved_take_is_shown_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """coach sessions show is where a rep reads the whole report of an earlier take."""
    from typer.testing import CliRunner

    from coach.cli import app
    from coach.team.store import Store

    with Store() as store:
        sid = store.save(reports()["t1_buried_slt"], rep="Chris Walker").id
    shown = CliRunner().invoke(app, ["sessions", "show", str(sid)])
    assert shown.exit_code == 0, shown.output
    for part in ("Fix first", "What you said", "Metrics", "Checks"):
        assert part in shown.stdout
    assert "--details" not in shown.stdout


def test_a_take_saved_with_no_rep_name_says_how_to_name_it(
    monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path
) -> None:
    """The README's first command once saved a take that showed up as "(no rep name)"."""
    from typer.testing import CliRunner

    from coach.cli import app

    take = fixtures_dir / "t1_good_slt.flac"
    _fake_scoring(monkeypatch, replace(reports()["good take"], source=str(take)))
    runner = CliRunner()
    nameless = runner.invoke(app, ["score", str(take)])
    assert nameless.exit_code == 0, nameless.output
    assert nameless.stderr.strip() == (
        "Saved session 1 (coach sessions show 1) — no rep name: set yours once, "
        'coach profile set --name "…"'
    )
    named = runner.invoke(app, ["score", str(take), "--rep-name", "Chris Walker"])
    assert named.stderr.strip() == "Saved session 2 (coach sessions show 2)"
    # The README's first command: the bundled take, as the card's rep, saved under a name.
    card = runner.invoke(app, ["score", str(take), "--card", "acme-t1"])
    assert card.stderr.strip() == "Saved session 3 (coach sessions show 3)"
    listed = runner.invoke(app, ["sessions", "--json"]).stdout
    assert [s["rep"] for s in json.loads(listed)["sessions"]] == [
        "Chris Walker",
        "Chris Walker",
        "",
    ]
