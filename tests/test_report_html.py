"""``coach report``: the self-contained HTML team report, read as text and in a real browser.

The real take is ``t1_good_slt.flac`` scored by the bundled model and saved
with its audio, so the page embeds a real FLAC and marks real word times.
Beside it, a written-script take whose transcript, rep name, card and
comments try to inject markup: they must come out as text.

The browser test opens the page in Debian's Chromium through Playwright
(``executable_path``: Playwright never downloads a browser).  Without
Chromium or Playwright it skips, saying what to install; under CI (``CI``
set) it fails instead, so it can never silently stop running.
"""

from __future__ import annotations

import base64
import io
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Prospect, Rep
from coach.pipeline import check_script, score_file
from coach.report import Report
from coach.rubric.checks import Check, Evidence
from coach.rubric.config import load_rubric
from coach.speech.audio import load
from coach.speech.transcribe import Transcript, Word
from coach.team.progress import Entry, rep_progress
from coach.team.store import Store
from coach.views.html import file_name, score_chart, time_labels, transcript_html, word_marks
from tests.conftest import FIXTURES
from tests.needs import unavailable
from tests.scripts import GOOD, WEAK, script_report

runner = CliRunner()

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
TAKE = "t1_good_slt.flac"
INJECTION = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_INJECTION = '<img src=x onerror="window.pwned=1">'
HOSTILE_SCRIPT = (
    f"Hi Dana, this is Chris Walker from Northwind Logistics. {INJECTION} Call me at 415-555-0134."
)

_SCORED: dict[str, Report] = {}


def _real_report(transcriber: Any, fixtures_dir: Path) -> Report:
    """The fixture take scored by the real model, once for the whole module."""
    if TAKE not in _SCORED:
        context = Context(
            touch=1,
            rep=Rep(name="Chris Walker", company="Northwind Logistics", phone="4155550134"),
            prospect=Prospect(name="Dana Reyes", company="Acme"),
        )
        _SCORED[TAKE] = score_file(
            fixtures_dir / TAKE,
            transcriber=transcriber,
            context=context,
            rubric=load_rubric(None),
            max_minutes=15,
        )
    return _SCORED[TAKE]


def _script_report(text: str, *, source: str = "script.txt") -> Report:
    context = Context(rep=Rep(name="Pat Lee", company="Northwind Logistics")).with_touch(1)
    return check_script(text, source=source, context=context, rubric=load_rubric(None))


def _save_real_take(store: Store, transcriber: Any, fixtures_dir: Path) -> int:
    """The real take with its audio, a comment at 0:03 and a lead's override of one check."""
    report = _real_report(transcriber, fixtures_dir)
    samples = load(fixtures_dir / TAKE).samples
    session = store.save(
        report, rep="Chris Walker", card_id="acme-t1", prospect="Dana Reyes", audio=samples
    )
    store.add_comment(session.id, "Slow down on the number here", at_s=3.0, author="Sam")
    flipped = next(c for c in report.checks if c.status == "pass")
    store.add_override(session.id, flipped.id, "warn", "sounded rushed to me", author="Sam")
    return session.id


def _save_hostile_take(store: Store) -> int:
    """A take where everything a person typed tries to be markup."""
    session = store.save(
        _script_report(HOSTILE_SCRIPT),
        rep="Pat <b>Lee</b>",
        card_id='acme"><script>alert(2)</script>',
        prospect="Dana <i>Reyes</i>",
    )
    store.add_comment(session.id, f"{INJECTION} is not a greeting", at_s=1.5, author="<Sam>")
    store.add_comment(session.id, IMG_INJECTION, author="Sam")
    store.add_override(session.id, "hook", "fail", f"{INJECTION} made up", author="Sam")
    return session.id


def _report(tmp_path: Path, *args: str) -> tuple[str, Path]:
    out = tmp_path / "team.html"
    result = runner.invoke(app, ["report", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return result.stdout, out


# -- the page as text -------------------------------------------------------------


@pytest.mark.model
def test_report_embeds_the_real_take_and_marks_findings(
    transcriber: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    with Store() as store:
        take_id = _save_real_take(store, transcriber, fixtures_dir)
        session = store.get(take_id)
        reviewed = store.reviewed_report(session)
        flac = session.audio.read_bytes() if session.audio else b""
    stdout, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    size = out.stat().st_size
    assert f"Wrote {out} ({round(size / 1000)} kB): 1 take by 1 rep." in stdout
    # The stored take, as Ogg Opus in a data: URI on a player, as long as the FLAC.
    players = re.findall(
        r'<audio controls preload="metadata" src="data:audio/ogg;codecs=opus;base64,([^"]+)"', page
    )
    assert len(players) == 1
    assert _duration(base64.b64decode(players[0])) == pytest.approx(_duration(flac), abs=0.01)
    # The callback number's words are marked with its check's status and message.
    number = next(c for c in reviewed.checks if c.id == "callback_number")
    assert number.status == "pass"
    first_number_word = next(
        w for w in reviewed.transcript.words if (number.evidence[0].start or 0) <= w.start
    )
    span = re.search(
        rf'<span class="w (\w+)" data-t="{first_number_word.start:.2f}"[^>]*title="([^"]*)"', page
    )
    assert span is not None
    assert "callback_number (pass)" in span.group(2)
    # The lead's override is shown as one, and the score is the reviewed one.
    note = reviewed.overrides[0]
    assert "Override by Sam: pass → warn — sounded rushed to me" in page
    assert f"{note.check_id} (warn, a lead&#x27;s override of pass)" in page
    assert f">{session.score}/100</span> (reviewed; the coach gave {session.report.score})" in page
    # The comment links to its moment.
    assert 'data-t="3.00">0:03</a> Slow down on the number here' in page
    # The summary: one rep, a chart point, pass rates.
    assert "<td>Chris Walker</td><td class=num>1</td>" in page
    assert page.count("<circle cx=") == 1 + 1  # the chart's point and the legend's swatch


def test_report_escapes_everything_a_person_wrote(tmp_path: Path) -> None:
    with Store() as store:
        _save_hostile_take(store)
    _, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    # The transcript word, the comment and the override reason, all as text.
    assert f">{ESCAPED}</span>" in page  # the transcript's word
    assert f"{ESCAPED} is not a greeting" in page
    assert f"{ESCAPED} made up" in page
    assert "&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;" in page
    assert "Pat &lt;b&gt;Lee&lt;/b&gt;" in page and "<b>Lee</b>" not in page
    assert "Dana &lt;i&gt;Reyes&lt;/i&gt;" in page
    assert "acme&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;Sam&gt;" in page
    # One <script> on the page: the report's own, at the end.
    assert len(re.findall(r"<script", page, re.IGNORECASE)) == 1
    assert page.rstrip().endswith("</script>\n</body></html>".rstrip())
    assert "<img" not in page


def test_report_is_self_contained(tmp_path: Path) -> None:
    with Store() as store:
        store.save(_script_report(HOSTILE_SCRIPT), rep="Pat", audio=_tone())
    _, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    sources = re.findall(r'\bsrc="([^"]*)"', page)
    assert sources and all(s.startswith("data:") for s in sources)
    links = re.findall(r'\bhref="([^"]*)"', page)
    assert links and all(h.startswith(("#", "data:")) for h in links)
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # and the browser is told so


def _tone(seconds: float = 1.0) -> Any:
    import numpy as np

    t = np.arange(int(16_000 * seconds)) / 16_000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_report_says_so_when_the_audio_is_gone(tmp_path: Path) -> None:
    with Store() as store:
        kept = store.save(_script_report(HOSTILE_SCRIPT), rep="Pat", audio=_tone())
        store.save(_script_report(HOSTILE_SCRIPT), rep="Pat")  # saved without audio
        broken = store.save(_script_report(HOSTILE_SCRIPT), rep="Pat", audio=_tone())
        assert kept.audio is not None and broken.audio is not None
        kept.audio.unlink()
        broken.audio.write_bytes(b"fLaC" + b"\0" * 100)  # damaged past its first bytes
    out = tmp_path / "team.html"
    result = runner.invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    stderr = result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<audio" not in page
    assert "The audio file of this take is missing from the store." in page
    assert "No audio was kept for this take." in page
    # The path is for the one who can fix it, in the terminal; never in the page.
    assert str(kept.audio) not in page
    assert f"Warning: take {kept.id}: the audio file {kept.audio} is missing" in stderr
    assert "The audio file of this take cannot be read." in page
    assert f"Warning: take {broken.id}: the audio file {broken.audio} cannot be read" in stderr
    assert str(broken.audio) not in page


def _duration(data: bytes) -> float:
    """Seconds of audio in ``data`` (any container PyAV reads), counted sample by sample."""
    import av

    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return sum(f.samples for f in frames) / frames[0].sample_rate


def _players(page: str) -> list[tuple[str, str]]:
    """Each player's (MIME type, base64 payload)."""
    return re.findall(r'<audio controls preload="metadata" src="data:([^,]+);base64,([^"]+)"', page)


def _without_media(page: str) -> str:
    """The page without its data: URIs, whose base64 could spell anything by chance."""
    return re.sub(r'"data:[^"]*"', '""', page)


def _stamp(db: Path, session_id: int, when: str) -> None:
    """Set when a session was saved (the store stamps "now")."""
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE sessions SET created_at = ? WHERE id = ?", (when, session_id))
    con.close()


def test_report_audio_is_opus_under_120_kb_a_30_s_take(tmp_path: Path) -> None:
    take = load(FIXTURES / TAKE)  # 28 s
    with Store() as store:
        saved = store.save(script_report(GOOD), rep="Chris Walker", audio=take.samples)
        assert saved.audio is not None
        flac_size = saved.audio.stat().st_size
    _, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    [(mime, data)] = _players(page)
    assert mime == "audio/ogg;codecs=opus"
    opus = base64.b64decode(data)
    assert opus[:4] == b"OggS" and b"OpusHead" in opus[:100]
    assert _duration(opus) == pytest.approx(take.duration_s, abs=0.01)
    # As embedded (base64), scaled to 30 s: within the budget, a fraction of the FLAC.
    assert len(data) * 30 / take.duration_s <= 120_000
    assert len(data) < flac_size / 4
    assert out.stat().st_size < 140_000  # the whole page with this one take


def test_report_no_audio_leaves_the_audio_out(tmp_path: Path) -> None:
    with Store() as store:
        store.save(script_report(GOOD), rep="Chris Walker", audio=_tone(5.0))
    _, out = _report(tmp_path)
    with_audio = out.read_text(encoding="utf-8")
    assert len(_players(with_audio)) == 1
    _, out = _report(tmp_path, "--no-audio")
    page = out.read_text(encoding="utf-8")
    assert "<audio" not in page and "data:audio" not in page
    assert "Audio left out of this report (coach report --no-audio)." in page
    assert "media-src data:" in page  # the policy is the same page's
    assert len(page) < len(with_audio) - 10_000  # 5 s of Opus, about 16 kB in base64


def test_report_rep_by_check_table(tmp_path: Path) -> None:
    """Each rep's pass rate per check; a rep with fewer than 3 takes gets counts."""
    with Store() as store:
        for rep, text in [("Chris Walker", GOOD), ("Chris Walker", GOOD), ("Chris Walker", WEAK)]:
            store.save(script_report(text), rep=rep)
        for text in (WEAK, WEAK):
            store.save(script_report(text), rep="Pat Lee")
    _, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    table = re.search(r'<table class="by-rep">.*?</table>', page, re.DOTALL)
    assert table is not None
    head = re.findall(r'<th class="num rep">([^<]*)</th>', table.group())
    assert head == ["Chris Walker (3)", "Pat Lee (2)"]
    rows = {
        m[0]: re.findall(r"<td[^>]*>([^<]*)</td>", m[1])
        for m in re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", table.group())
    }
    assert rows["identity"] == ["67%", "0 of 2"]
    assert rows["opening"] == ["67%", "0 of 2"]  # WEAK opens "just checking in"
    assert "pace" not in rows  # no take judged it: a script has no pace
    assert 'title="0 of 2 passed; a rate needs 3 takes"' in table.group()


def test_report_numbers_follow_the_trend_and_minimum_rules(tmp_path: Path) -> None:
    with Store() as store:
        for text in (WEAK, WEAK, WEAK, GOOD, GOOD, GOOD):
            store.save(script_report(text), rep="Chris Walker")
        for text in (WEAK, GOOD):
            store.save(script_report(text), rep="Pat Lee")
    _, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    chris = re.search(r"<tr><td>Chris Walker</td>.*?</tr>", page)
    pat = re.search(r"<tr><td>Pat Lee</td>.*?</tr>", page)
    assert chris is not None and pat is not None
    # The arrow sits beside the two half means it compares.
    assert re.search(
        r'earlier <span class="score score-low">(\d+)</span> → recent '
        r'<span class="score score-good">(\d+)</span> <span class="trend-up"',
        chris.group(),
    )
    # Two takes: a count where the average would be, no trend, no arrow.
    assert '<td class="num muted" title="an average needs 3 takes">2 takes</td>' in pat.group()
    assert "shown from 6 takes (3 a half)" in pat.group()
    assert not re.search("[↑↓→]", pat.group())
    assert "Trend: the recent half of the takes against the earlier half" in page
    # The team's eight takes split 4 / 4, each half with a rate and the arrow between.
    assert "<th class=num>earlier (4)</th><th class=num>recent (4)</th>" in page


def test_report_marks_the_takes_sent_to_a_prospect(tmp_path: Path, coach_home: Path) -> None:
    with Store() as store:
        practice = store.save(script_report(WEAK), rep="Chris Walker", prospect="Dana Reyes")
        sent = store.save(
            script_report(GOOD),
            rep="Chris Walker",
            prospect="Dana Reyes",
            sent_at="2025-03-04T10:00:00Z",
        )
    _stamp(coach_home / "coach.db", practice.id, "2025-03-03T09:00:00Z")
    _stamp(coach_home / "coach.db", sent.id, "2025-03-04T09:55:00Z")
    _, out = _report(tmp_path)
    page = out.read_text(encoding="utf-8")
    take = re.search(
        rf'<article class="session" id="take-{sent.id}">.*?</article>', page, re.DOTALL
    )
    other = re.search(
        rf'<article class="session" id="take-{practice.id}">.*?</article>', page, re.DOTALL
    )
    assert take is not None and other is not None
    assert '<span class="sent">Sent to Dana Reyes on 2025-03-04</span>' in take.group()
    assert "Sent to" not in other.group()
    # In the index, on the chart (one ring, on the sent take's point) and in the legend.
    index = page[page.index('<section id="index">') : page.index('<section id="takes">')]
    assert index.count('<span class="sent"') == 1
    assert 'title="logged as left for Dana Reyes">sent 2025-03-04</span>' in index
    rings = re.findall(r'<circle class="sent-ring" cx="([\d.]+)" cy="([\d.]+)"', page)
    assert len(rings) == 1
    assert f'<circle cx="{rings[0][0]}" cy="{rings[0][1]}" r="4"' in page
    assert "sent to a prospect" in page
    assert "<td class=num>2</td><td class=num>1</td>" in page  # 2 takes, 1 sent


def test_report_writes_no_path_of_this_machine(tmp_path: Path, coach_home: Path) -> None:
    monday = tmp_path / "home" / "priya" / "takes" / "monday.m4a"
    with Store() as store:
        store.save(script_report(GOOD, source=str(monday)), rep="Priya Shah", audio=_tone())
        gone = store.save(
            script_report(GOOD, source="C:\\Users\\priya\\tuesday.m4a"),
            rep="Priya Shah",
            audio=_tone(),
        )
        assert gone.audio is not None
        gone.audio.unlink()
    _, out = _report(tmp_path)
    text = _without_media(out.read_text(encoding="utf-8"))
    assert "monday.m4a" in text and "tuesday.m4a" in text  # the file's name says which take
    for path in (tmp_path, coach_home, Path.home(), gone.audio, monday.parent):
        assert str(path) not in text
    assert "priya\\" not in text and "/home/" not in text and "coach-home" not in text


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("/home/priya/takes/monday.m4a", "monday.m4a"),
        ("C:\\Users\\priya\\monday.m4a", "monday.m4a"),
        ("takes/", "takes"),
        ("monday.m4a", "monday.m4a"),
    ],
)
def test_file_name(source: str, name: str) -> None:
    assert file_name(source) == name


def test_report_filters_by_rep_and_since(tmp_path: Path, coach_home: Path) -> None:
    with Store() as store:
        store.save(_script_report(HOSTILE_SCRIPT), rep="Pat Lee")
        store.save(_script_report(HOSTILE_SCRIPT), rep="Chris Walker")
        old = store.save(_script_report(HOSTILE_SCRIPT), rep="Pat Lee")
    import sqlite3

    con = sqlite3.connect(coach_home / "coach.db")
    with con:
        con.execute(
            "UPDATE sessions SET created_at = '2024-01-02T10:00:00Z' WHERE id = ?", (old.id,)
        )
    con.close()
    today = datetime.now(UTC).date().isoformat()
    stdout, out = _report(tmp_path, "--rep", "pat lee", "--since", today)
    assert f"1 take by 1 rep (rep pat lee since {today})" in stdout
    page = out.read_text(encoding="utf-8")
    assert 'id="take-1"' in page
    assert 'id="take-2"' not in page and f'id="take-{old.id}"' not in page


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [],
            "No saved sessions yet in {store}. Score a take: coach score take.m4a"
            " No report written.",
        ),
        (["--rep", "nobody"], "No sessions match in {store}. No report written."),
    ],
)
def test_report_with_nothing_to_show(
    args: list[str], expected: str, tmp_path: Path, coach_home: Path
) -> None:
    out = tmp_path / "team.html"
    result = runner.invoke(app, ["report", "--out", str(out), *args])
    assert result.exit_code == 0
    assert result.stdout.strip() == expected.format(store=coach_home / "coach.db")
    assert not out.exists()


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("{tmp}", "Error: --out {tmp} is a folder — give a file name, e.g. {tmp}/team.html"),
        (
            "{tmp}/no/such/team.html",
            "Error: --out {tmp}/no/such/team.html: the folder {tmp}/no/such does not exist",
        ),
        (
            "{tmp}/a-file/team.html",
            "Error: --out {tmp}/a-file/team.html: the folder {tmp}/a-file does not exist",
        ),
        # /proc refuses new files even to root: the write itself fails, after the work.
        ("/proc/team.html", "Error: cannot write --out /proc/team.html: "),
    ],
)
def test_report_unwritable_out(out: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with Store() as store:
        store.save(_script_report(HOSTILE_SCRIPT), rep="Pat")
    result = runner.invoke(app, ["report", "--out", out.format(tmp=tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(expected.format(tmp=tmp_path))
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "coach-home"]


def test_report_bad_since(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "--since", "yesterday", "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: --since 'yesterday' is not a date — use YYYY-MM-DD, e.g. 2025-03-01"
    )


# -- the pure pieces -------------------------------------------------------------------


WORDS = ("hi", "call", "me", "at", "555", "now")


def _hand_report(checks: list[Check]) -> Report:
    words = tuple(Word(text, i * 0.5, i * 0.5 + 0.4) for i, text in enumerate(WORDS))
    base = _script_report("Hi.")
    from dataclasses import replace

    return replace(base, transcript=Transcript(text="", words=words), checks=tuple(checks))


def test_word_marks_take_the_worst_status_of_the_evidence_covering_a_word() -> None:
    # words every 0.5 s, 0.4 s long: hi 0.0, call 0.5, me 1.0, at 1.5, 555 2.0, now 2.5
    report = _hand_report(
        [
            Check("call_to_action", "pass", "Clear.", evidence=(Evidence("call me", 0.5, 1.4),)),
            Check("callback_number", "fail", "Fast.", evidence=(Evidence("555", 2.0, 2.4),)),
            Check("opening", "warn", "Hmm <b>.", evidence=(Evidence("me at", 0.95, 1.9),)),
            Check("pace", "skip", "No audio.", evidence=(Evidence("all", 0.0, 3.0),)),
            Check("identity", "fail", "No name.", evidence=(Evidence("untimed"),)),
            # a span ending just before a word's middle does not mark it
            Check("fillers", "warn", "Um.", evidence=(Evidence("n", 2.5, 2.64),)),
        ]
    )
    marks = [[c.id for c in checks] for checks in word_marks(report)]
    assert marks == [
        [],  # hi: only the skipped check covers it
        ["call_to_action"],
        ["opening", "call_to_action"],  # me: the warning before the pass
        ["opening"],
        ["callback_number"],
        [],  # now: its middle (2.7 s) is past 2.64 s + the slack
    ]
    html = transcript_html(report)
    assert (
        '<span class="w warn" data-t="1.00" data-end="1.40" '
        'title="opening (warn): Hmm &lt;b&gt;.\ncall_to_action (pass): Clear.">me</span>'
    ) in html
    assert '<span class="w" data-t="0.00" data-end="0.40">hi</span>' in html


def test_score_chart_with_one_take_or_takes_at_one_moment() -> None:
    at = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    one = rep_progress([Entry(1, "Pat", at, 70, {})])
    svg = score_chart([one])
    assert svg.count("<circle") == 1 and 'cx="293.0"' in svg  # centred (40 + 506 / 2): no time span
    assert _axis(svg) == ["09:30:00", "2025-03-03, times in UTC"]  # one moment: one label
    same = rep_progress([Entry(1, "Pat", at, 70, {}), Entry(2, "Pat", at, 90, {})])
    assert score_chart([same]).count("<circle") == 2
    later = rep_progress(
        [Entry(1, "Pat", at, 0, {}), Entry(2, "Pat", at + timedelta(days=1), 100, {})]
    )
    svg = score_chart([later])
    assert 'cx="40.0" cy="200.0"' in svg and 'cx="546.0" cy="12.0"' in svg
    assert score_chart([]) == ""


def _axis(svg: str) -> list[str]:
    """The time axis's labels, left to right (the score labels are numbers)."""
    texts = re.findall(r'<text class="axis"[^>]*>([^<]*)</text>', svg)
    return [t for t in texts if not t.isdigit()]


@pytest.mark.parametrize(
    ("start", "end", "labels"),
    [
        # one day: times, the date once (the issue: "2025-03-03" at both ends)
        ("2025-03-03T09:05", "2025-03-03T17:40", ["09:05", "17:40", "2025-03-03, times in UTC"]),
        # one minute: to the second, so the ends still differ
        ("2025-03-03T09:05:10", "2025-03-03T09:05:50", ["09:05:10", "09:05:50"]),
        # over days: dates
        ("2025-03-03T23:00", "2025-03-04T01:00", ["2025-03-03", "2025-03-04", "dates in UTC"]),
        ("2025-03-03T09:00", "2025-04-20T09:00", ["2025-03-03", "2025-04-20", "dates in UTC"]),
    ],
)
def test_time_axis_ends_differ(start: str, end: str, labels: list[str]) -> None:
    first, last = (datetime.fromisoformat(t).replace(tzinfo=UTC) for t in (start, end))
    rep = rep_progress([Entry(1, "Pat", first, 70, {}), Entry(2, "Pat", last, 80, {})])
    axis = _axis(score_chart([rep]))
    assert axis[: len(labels)] == labels
    assert axis[0] != axis[1]
    assert time_labels(first, last)[:2] == tuple(labels[:2])


# -- the page in a real browser -----------------------------------------------------------


def _unavailable(reason: str) -> None:
    unavailable("the browser test", reason)


@contextmanager
def _chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (which downloads nothing here).

    Started only once the take is scored: the acoustics worker is a forked
    process, and forking while Playwright's driver and threads run deadlocks.
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found — apt install chromium (bash scripts/test.sh does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright not installed — pip install -e '.[dev]'")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.browser
@pytest.mark.model
def test_report_in_a_real_browser(transcriber: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    with Store() as store:
        real = _save_real_take(store, transcriber, fixtures_dir)
        hostile = _save_hostile_take(store)
        words = store.reviewed_report(store.get(real)).transcript.words
    _, out = _report(tmp_path)
    with _chromium() as browser:
        _check_in_browser(browser, out, real=real, hostile=hostile, words=words, tmp_path=tmp_path)


def _check_in_browser(
    browser: Any, out: Path, *, real: int, hostile: int, words: tuple[Word, ...], tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    problems: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(out.as_uri())
    page.wait_for_load_state("load")

    # The player has the take, and Chromium decodes it: the duration is the fixture's.
    assert page.locator("audio").count() == 1
    src = page.locator(f"#take-{real} audio").get_attribute("src")
    assert src is not None and src.startswith("data:audio/ogg;codecs=opus;base64,")
    page.wait_for_function("document.querySelector('audio').duration > 0", timeout=15_000)
    duration = page.evaluate("document.querySelector('audio').duration")
    assert duration == pytest.approx(load(FIXTURES / TAKE).duration_s, abs=0.05)

    # The injected markup is visible as text and never ran.
    hostile_take = page.locator(f"#take-{hostile}")
    assert hostile_take.get_by_text(f"{INJECTION} is not a greeting").is_visible()
    assert hostile_take.get_by_text(INJECTION, exact=True).is_visible()  # the transcript word
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("window.pwned") is None
    assert dialogs == []

    # The CSS applied (its hash matches the policy): a failed check is red.
    colour = page.locator(".status.fail").first.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(185, 28, 28)"
    # The script runs: clicking a word seeks the take to it.
    word = words[len(words) // 2]
    page.locator(f'#take-{real} .w[data-t="{word.start:.2f}"]').first.click()
    at = page.evaluate("document.querySelector('audio').currentTime")
    assert at == pytest.approx(word.start, abs=0.6)

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # The same page on a phone: nothing runs off the side.
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    _check_phone_layout(page, tmp_path / "report-390.png")
    assert problems == [], problems


#: an iPhone 12–15's CSS viewport
PHONE = {"width": 390, "height": 844}

#: each table: whether it fits the screen, or scrolls inside a box of its own that does
TABLES_JS = """() => {
  const screen = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("table")).map(table => {
    const box = table.closest(".scroll");
    const fits = table.getBoundingClientRect().right <= screen + 0.5;
    const scrolls = box !== null
      && ["auto", "scroll"].includes(getComputedStyle(box).overflowX)
      && box.getBoundingClientRect().right <= screen + 0.5;
    return {fits: fits, scrolls: scrolls, wider: table.scrollWidth > (box || table).clientWidth};
  });
}"""


def _check_phone_layout(page: Any, shot: Path) -> None:
    """390 px wide: no sideways scrolling of the page; a wide table scrolls in its own box."""
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tables = page.evaluate(TABLES_JS)
    assert tables and all(t["fits"] or t["scrolls"] for t in tables), tables
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@pytest.mark.browser
def test_report_on_a_phone(tmp_path: Path, coach_home: Path) -> None:
    """A team of four with long names, a sent take and real audio, at 390 px wide.

    Opus plays in Chromium: the player's duration is the take's.  The
    screenshot is left in ``tmp_path`` (``report-390.png``) to look at.
    """
    take = load(FIXTURES / TAKE)
    reps = ["Priya Shah", "Chris Walker", "Alexandra Konstantinopoulou-Whitfield", "Sam Lee"]
    with Store() as store:
        for n, rep in enumerate(reps):
            for i, text in enumerate((WEAK, GOOD, GOOD, WEAK, GOOD, GOOD, GOOD)):
                saved = store.save(
                    script_report(text),
                    rep=rep,
                    card_id="acme-t1-follow-up-after-the-trade-show",
                    prospect="Dana Reyes",
                    audio=take.samples if (n, i) == (0, 1) else None,
                    sent_at="2025-03-04T12:00:00Z" if i == 6 else None,
                )
                _stamp(coach_home / "coach.db", saved.id, f"2025-03-04T{9 + i:02d}:{n:02d}:00Z")
                if saved.audio is not None:
                    audio_id = saved.id
    _, out = _report(tmp_path)
    with _chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(out.as_uri())
        page.wait_for_load_state("load")
        _check_phone_layout(page, tmp_path / "report-390.png")
        # The rep × check table is wider than a phone: it is the one that scrolls.
        tables = page.evaluate(TABLES_JS)
        assert any(t["wider"] and t["scrolls"] for t in tables), tables
        audio = f"document.querySelector('#take-{audio_id} audio')"
        page.wait_for_function(f"{audio}.duration > 0", timeout=15_000)
        assert page.evaluate(f"{audio}.duration") == pytest.approx(take.duration_s, abs=0.05)
        assert page.evaluate(f"{audio}.error") is None
        assert problems == [], problems
