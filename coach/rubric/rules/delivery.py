"""Rules on how long and how well the message is delivered: length, pace, pauses, delivery."""

from __future__ import annotations

from dataclasses import dataclass

from coach.rubric.checks import Check, Evidence, Match, Status, Take, clock
from coach.rubric.config import CheckConfig
from coach.speech.fillers import FILLED_PAUSE_MARK, FilledPause
from coach.speech.metrics import message_seconds as message_span
from coach.speech.metrics import speaking_rate, spoken_words


def message_seconds(take: Take) -> float:
    """Seconds from the first word to the last (silence before and after excluded).

    The very number ``metrics.message_s`` shows (to the hundredth), so the
    length check and the metrics never disagree on how long the message runs.
    """
    if take.acoustics is None:
        return take.duration_s
    return message_span(take.acoustics)


def length(take: Take, cfg: CheckConfig) -> Check:
    """About 30 seconds or 75 words; a message too short cannot carry a reason."""
    if take.is_script:
        return _script_length(take, cfg)
    seconds = message_seconds(take)
    max_s, warn_s = cfg.num("max_s"), cfg.num("warn_max_s")
    words = take.transcript.words
    over = take.words_between((words[0].start if words else 0.0) + max_s, float("inf"))
    evidence = (Evidence.of_words(over),) if over else ()
    if seconds < cfg.num("min_s"):
        return Check(
            "length",
            "warn",
            f"The message is only {seconds:.0f} s — too short to give a reason to call back.",
            "Add who you are, why you are calling and one specific reason to call back.",
        )
    if seconds <= max_s:
        return Check(
            "length", "pass", f"The message runs {seconds:.0f} s, within {max_s:.0f} s.", ""
        )
    status: Status = "warn" if seconds <= warn_s else "fail"
    return Check(
        "length",
        status,
        f"The message runs {seconds:.0f} s; aim for {max_s:.0f} s or less.",
        f"Cut about {seconds - max_s:.0f} s: keep who, why, one hook and the number.",
        evidence,
    )


def _script_length(take: Take, cfg: CheckConfig) -> Check:
    words = len(take.transcript.words)
    wpm = take.context.target_wpm
    seconds = words / wpm * 60
    max_words = int(cfg.num("max_words"))
    # The word budget that fits max_s at this rep's pace (75 words at 150 wpm is 30 s).
    fit = min(max_words, int(cfg.num("max_s") * wpm / 60))
    if words < cfg.num("min_words"):
        return Check(
            "length",
            "warn",
            f"The script is {words} words (~{seconds:.0f} s) — too short to give a reason.",
            "Add who you are, why you are calling and one specific reason to call back.",
        )
    if words <= fit:
        return Check(
            "length",
            "pass",
            f"The script is {words} words, about {seconds:.0f} s at {wpm:.0f} wpm.",
            "",
        )
    status: Status = "warn" if words <= cfg.num("warn_max_words") else "fail"
    over = take.transcript.words[fit:]
    return Check(
        "length",
        status,
        f"The script is {words} words, about {seconds:.0f} s at {wpm:.0f} wpm.",
        f"Cut {words - fit} words to fit {cfg.num('max_s'):.0f} s.",
        (Evidence.of_words(over),),
    )


def pace(take: Take, cfg: CheckConfig) -> Check:
    """Words per minute over speaking time, within the configured band.

    The words are what the transcript holds, so a transcript that dropped or
    invented words would blame the rep for the model's slip.  The audio's own
    syllable nuclei (:attr:`Acoustics.syllables`, librosa) say how much was
    said: when the words a syllable stands for are far outside what speech
    carries (``min_syllables_per_word``–``max_syllables_per_word``), the pace is
    judged by the syllables instead, and the message says why.
    """
    if take.acoustics is None:
        return Check("pace", "skip", "A written script has no pace; it was timed at your pace.")
    # The words and the rate of metrics.wpm: a number is its digits, so a take
    # of little more than "415-555-0134" is ten words, not one.
    words = spoken_words(take.transcript, take.numbers)
    wpm = speaking_rate(take.transcript, take.numbers, take.acoustics)
    if words < cfg.num("min_words") or wpm is None:
        return Check("pace", "skip", f"Too few words ({words}) to measure a pace.")
    low, high, margin = cfg.num("min_wpm"), cfg.num("max_wpm"), cfg.num("margin_wpm")
    band = f"{low:.0f}–{high:.0f} wpm"
    heard = f"You spoke at {wpm:.0f} words a minute"
    by_sound = _pace_by_syllables(take, words, cfg)
    if by_sound is not None:
        # The transcript's word count does not fit the speech: its slip, not the rep's pace.
        wrote = "missed" if by_sound > wpm else "added"
        heard = (
            f"Going by the syllables in the audio, you spoke at about {by_sound:.0f} words "
            f"a minute (my transcript {wrote} words: its {words} would make {wpm:.0f})"
        )
        wpm = by_sound
    if low <= wpm <= high:
        return Check("pace", "pass", f"{heard}, within {band}.")
    status: Status = "warn" if low - margin <= wpm <= high + margin else "fail"
    if wpm > high:
        return Check(
            "pace",
            status,
            f"{heard} — faster than {band}.",
            "Slow down: pause after your name and before the number.",
        )
    return Check(
        "pace",
        status,
        f"{heard} — slower than {band}.",
        "Pick up the pace a little; rehearse the script until it flows.",
    )


def _pace_by_syllables(take: Take, words: int, cfg: CheckConfig) -> float | None:
    """The pace the audio's syllables give, when the transcript's words cannot be right.

    ``None`` when the words fit the syllables counted (or none were counted):
    then the words are the measure.
    """
    a = take.acoustics
    if a is None or a.syllables <= 0 or a.speech_s <= 0:
        return None
    per_word = a.syllables / words
    if cfg.num("min_syllables_per_word") <= per_word <= cfg.num("max_syllables_per_word"):
        return None
    return a.syllables / cfg.num("syllables_per_word") / a.speech_s * 60


def pauses(take: Take, cfg: CheckConfig) -> Check:
    """No dead air at the start, no long pauses mid-message."""
    a = take.acoustics
    if a is None:
        return Check("pauses", "skip", "A written script has no pauses to measure.")
    findings: list[tuple[Status, str, Evidence]] = []
    lead = a.leading_silence_s
    if lead > cfg.num("leading_warn_s"):
        status: Status = "fail" if lead > cfg.num("leading_fail_s") else "warn"
        findings.append(
            (status, f"{lead:.1f} s of dead air before you speak", Evidence("silence", 0.0, lead))
        )
    for p in a.pauses:
        if p.duration > cfg.num("pause_warn_s"):
            status = "fail" if p.duration > cfg.num("pause_fail_s") else "warn"
            findings.append(
                (
                    status,
                    f"a {p.duration:.1f} s pause at {clock(p.start)}",
                    Evidence("pause", p.start, p.end),
                )
            )
    if not findings:
        return Check(
            "pauses",
            "pass",
            f"You started within {lead:.1f} s and the longest pause was {a.longest_pause_s:.1f} s.",
        )
    worst: Status = "fail" if any(s == "fail" for s, _, _ in findings) else "warn"
    what = "; ".join(text for _, text, _ in findings)
    advice = (
        "Start speaking as soon as the recording starts (on a real voicemail, right after "
        "the tone): dead air at the start sounds like a robot dialler."
        if lead > cfg.num("leading_warn_s")
        else "Keep pauses short; know your next line before you dial."
    )
    return Check(
        "pauses",
        worst,
        what[0].upper() + what[1:] + ".",
        advice,
        tuple(e for _, _, e in findings),
    )


def delivery(take: Take, cfg: CheckConfig) -> Check:
    """Not monotone, not too quiet, not clipped."""
    a = take.acoustics
    if a is None:
        return Check("delivery", "skip", "A written script has no delivery to judge.")
    problems: list[tuple[Status, str, str]] = []
    if a.clipped_fraction > cfg.num("clip_warn"):
        status: Status = "fail" if a.clipped_fraction > cfg.num("clip_fail") else "warn"
        problems.append(
            (
                status,
                f"the recording clips ({a.clipped_fraction:.1%} of samples at full scale)",
                "Move the microphone back or lower the input gain.",
            )
        )
    if a.loudness_dbfs < cfg.num("quiet_dbfs"):
        problems.append(
            (
                "warn",
                f"it is quiet ({a.loudness_dbfs:.0f} dBFS)",
                "Speak up or move closer to the microphone.",
            )
        )
    st = a.pitch_variation_st
    if st is not None and st < cfg.num("min_pitch_st"):
        problems.append(
            (
                "warn",
                f"the voice sounds flat ({st:.1f} semitones of pitch variation)",
                "Vary your tone: lift your voice on the reason and the question.",
            )
        )
    pitch = f"{st:.1f} semitones of pitch variation" if st is not None else "no pitch measured"
    if not problems:
        return Check(
            "delivery",
            "pass",
            f"Clear delivery: {pitch}, level {a.loudness_dbfs:.0f} dBFS, no clipping.",
        )
    status = "fail" if any(s == "fail" for s, _, _ in problems) else "warn"
    message = "; ".join(text for _, text, _ in problems)
    return Check("delivery", status, message[0].upper() + message[1:] + ".", problems[0][2])


def filler_matches(take: Take, cfg: CheckConfig) -> list[Match]:
    """Every filler written in the transcript ("um", "uh", "you know", "like" as a filler)."""
    return take.find(cfg.patterns("patterns"))


def heard_only(take: Take, cfg: CheckConfig) -> tuple[FilledPause, ...]:
    """The filled pauses heard in the audio (:attr:`Take.filled_pauses`) that no
    filler written in the transcript already covers: one hesitation counts once."""
    written = [(m.start, m.evidence.end or m.start) for m in filler_matches(take, cfg)]
    return tuple(
        p for p in take.filled_pauses if not any(s < p.end and p.start < e for s, e in written)
    )


@dataclass(frozen=True)
class Filler:
    """A filler, written or only heard, and where it is."""

    start: float
    evidence: Evidence
    said: str


def fillers_found(take: Take, cfg: CheckConfig) -> list[Filler]:
    """Every filler, written ones and filled pauses heard only, in order of time."""
    found = [
        Filler(m.start, m.evidence, f"“{m.evidence.text}” at {clock(m.start)}")
        for m in filler_matches(take, cfg)
    ]
    found += [
        Filler(
            p.start,
            Evidence(FILLED_PAUSE_MARK, p.start, p.end),
            f"a filled pause (“um”) at {clock(p.start)}",
        )
        for p in heard_only(take, cfg)
    ]
    return sorted(found, key=lambda f: f.start)


def fillers(take: Take, cfg: CheckConfig) -> Check:
    """Fillers under the threshold per minute; clusters flagged.

    A filler is a word the transcript has ("um", "you know") or a filled
    pause heard in the audio where Whisper wrote nothing (:mod:`coach.speech.fillers`).
    """
    found = fillers_found(take, cfg)
    # A message shorter than min_minutes counts as that long, so one "um" in a
    # 10 s take is one filler, not "6 a minute".
    minutes = max(message_seconds(take) / 60, cfg.num("min_minutes"))
    rate = len(found) / minutes
    evidence = tuple(f.evidence for f in found)
    window, crowd = cfg.num("cluster_window_s"), int(cfg.num("cluster_count"))
    clusters = [
        found[i]
        for i in range(len(found) - crowd + 1)
        if found[i + crowd - 1].start - found[i].start <= window
    ]
    if not found:
        return Check("fillers", "pass", "No fillers (um, uh, you know).")
    said = ", ".join(f.said for f in found[:4])
    if rate <= cfg.num("warn_per_min") and not clusters:
        return Check(
            "fillers", "pass", f"{len(found)} filler(s), {rate:.0f} a minute: {said}.", "", evidence
        )
    status: Status = "fail" if rate > cfg.num("fail_per_min") else "warn"
    cluster = f"; they bunch up at {clock(clusters[0].start)}" if clusters else ""
    return Check(
        "fillers",
        status,
        f"{len(found)} fillers, {rate:.0f} a minute{cluster}: {said}.",
        "Replace each “um” with a short silent pause; script the part where they bunch up.",
        evidence,
    )
