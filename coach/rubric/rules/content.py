"""Rules on what the message says: who, why, a reason to call back, for whom, and the ask."""

from __future__ import annotations

import re

from coach.rubric.checks import Check, Evidence, Match, Status, Take, clock
from coach.rubric.config import CheckConfig
from coach.rubric.matchers import normalise


def _evidence(matches: list[Match]) -> tuple[Evidence, ...]:
    return tuple(m.evidence for m in matches)


def identity(take: Take, cfg: CheckConfig) -> Check:
    """The rep says their own name and company early (first ~10 s)."""
    rep = take.context.rep
    window = cfg.num("window_s")
    ratio = cfg.num("min_ratio")
    if not rep.name and not rep.company:
        intro = take.early(take.find(cfg.patterns("intro_patterns")), window)
        if intro:
            return Check(
                "identity",
                "pass",
                f"{'Your script introduces you' if take.is_script else 'You introduced yourself'}"
                f" at {clock(intro[0].start)}; your name and company are not known to check.",
                "",
                _evidence(intro[:1]),
            )
        return Check(
            "identity",
            "skip",
            "Your name and company are not known — set them in your profile or the card.",
        )
    name = take.early(take.find_name(rep.name, min_ratio=ratio), window) if rep.name else []
    company = (
        take.early(take.find_name(rep.company, min_ratio=ratio, first_word_min=5), window)
        if rep.company
        else []
    )
    evidence = _evidence(name[:1] + company[:1])
    said = [what for what, found in (("name", name), ("company", company)) if found]
    missing = [
        what
        for what, known, found in (
            ("name", rep.name, name),
            ("company", rep.company, company),
        )
        if known and not found
    ]
    if not missing:
        return Check(
            "identity",
            "pass",
            f"{'Your script gives' if take.is_script else 'You gave'} your "
            f"{' and '.join(said)} in the first {window:.0f} s.",
            "",
            evidence,
        )
    # Said, but late, is half an introduction: the prospect still learns who called.
    late = (rep.name and take.find_name(rep.name, min_ratio=ratio)) or (
        rep.company and take.find_name(rep.company, min_ratio=ratio, first_word_min=5)
    )
    status: Status = "warn" if said or late else "fail"
    who = {"name": rep.name, "company": rep.company}
    where = "your script's first" if take.is_script else "the first"
    return Check(
        "identity",
        status,
        f"Your {' and '.join(missing)} did not come in {where} {window:.0f} s.",
        "Open with who you are: “Hi, this is "
        + (rep.name or "<name>")
        + " with "
        + (who["company"] or "<company>")
        + ".”",
        evidence,
    )


def purpose(take: Take, cfg: CheckConfig) -> Check:
    """The message says why the rep is calling; a bare "call me back" fails.

    The reason is there when the message carries what is in it for the
    prospect (a benefit, proof or a question from the hook's lists, or a topic
    with a claim any vendor could make) or says "I'm calling because …" about
    something.  "Calling about a requirement" or "I'd love to connect" is the
    contact itself, not a reason.  A last voicemail (#3) that says it is the
    last and what it was about has its reason: the conclusion.
    """
    reason = take.find(cfg.patterns("reason_patterns"))
    said = take.find(cfg.patterns("patterns"))
    hook_cfg = cfg.sibling("hook")
    carried = (
        _proof(take, hook_cfg)
        or _benefits(take, hook_cfg)
        or take.find(hook_cfg.patterns("question_patterns"))
    )
    empty = take.find(cfg.patterns("empty_patterns"))
    vague = take.find(cfg.patterns("vague_patterns"))
    script = take.is_script
    if reason and not empty and not vague:
        carried = carried or reason
    if said and not empty and not vague and not carried:
        # A topic with what the rep does for it ("calling about your invoices, we help
        # companies like yours save time") says why, if weakly: the hook judges how well.
        carried = take.find(hook_cfg.patterns("generic_patterns"))
    if take.context.touch == 3 and said and not carried:
        # The last voicemail's reason is the conclusion itself (SPEC: "#3 a clear
        # conclusion that leaves it in the prospect's hands") — about something named:
        # "this is my last message" alone never says what it was about.
        carried = take.find(cfg.patterns("last_message_patterns"))
    said = sorted(reason + said, key=lambda m: m.first)
    if carried:
        first = said[0] if said else carried[0]
        return Check(
            "purpose",
            "pass",
            f"{'Your script says' if take.is_script else 'You say'} why you are calling at "
            f"{clock(first.start)}: “…{take.around(first).text}…”",
            "",
            _evidence(said[:1] + carried[:1]),
        )
    if empty:
        return Check(
            "purpose",
            "fail",
            f"“…{take.around(empty[0]).text}…” is no reason: it says nothing about them.",
            "Say what is in it for them: “I'm calling because Globex halved …”.",
            _evidence(empty[:1]),
            hard_rule="no reason given",
        )
    if said or vague:
        topic = (said or vague)[0]
        return Check(
            "purpose",
            "warn",
            f"{'Your script names' if script else 'You name'} a topic, not a reason: "
            f"“…{take.around(topic).text}…”.",
            "Say what is in it for them: “I'm calling because Globex halved …”.",
            _evidence([topic]),
        )
    return Check(
        "purpose",
        "fail",
        "Your script never says why you are calling."
        if script
        else "The message never says why you are calling.",
        "Say the reason in one sentence: “I'm calling because …” — a name and a callback "
        "request alone reads as a trick.",
        hard_rule="no reason given",
    )


def _proof(take: Take, cfg: CheckConfig) -> list[Match]:
    numbers = take.number_words()
    # The prospect's own figures ("Acme ships 2,000 loads", "your team checks 2,000
    # invoices") show the rep did their homework — personalization, not a result.
    own = {w.lower() for w in re.findall(r"[\w&]+", take.context.prospect.company or "")}
    theirs = own | {"your", "you're"}
    words = take.transcript.words
    quantities = [
        m
        for m in take.find_except(
            cfg.patterns("proof_patterns"), cfg.patterns("not_proof_patterns")
        )
        if not any(i in numbers for i in range(m.first, m.last + 1))
        and not any(
            _bare(w.text) in theirs
            for w in words[max(0, m.first - int(cfg.num("their_figure_words"))) : m.first]
        )
    ]
    # A peer is a customer by name — not the prospect ("firms like Acme" to Acme's VP).
    peers = [
        m
        for m in take.find(cfg.patterns("peer_patterns"))
        if m.words[-1].text[:1].isupper() and _bare(m.words[-1].text) not in own
    ]
    proof = take.context.offer.proof
    if proof:
        # A peer customer named on the card ("Globex went from 10 to 5 hours").
        for name in re.findall(r"\b[A-Z][\w&]+(?: [A-Z][\w&]+)*", proof):
            peers.extend(take.find_name(name, min_ratio=cfg.num("min_ratio"), first_word_min=5))
    return sorted(quantities + peers, key=lambda m: m.first)


def _bare(word: str) -> str:
    """A word without its punctuation or possessive, lower case ("Acme's," → "acme")."""
    return re.sub(r"(?:'s)?\W*$", "", word).lower()


def _benefits(take: Take, cfg: CheckConfig) -> list[Match]:
    """Benefits (``cfg`` is the hook's), except inside a claim any vendor could make."""
    return take.find_except(cfg.patterns("benefit_patterns"), cfg.patterns("generic_patterns"))


def reasons(take: Take, cfg: CheckConfig) -> list[Match]:
    """Proof or a benefit in the take (``cfg`` is the hook's): what makes it worth a call."""
    return sorted(_proof(take, cfg) + _benefits(take, cfg), key=lambda m: m.first)


def _last_message_recap(take: Take, cfg: CheckConfig) -> list[Match]:
    """In a last voicemail (#3), where it says it is the last and what it was about.

    The field guidance asks #3 for a clear conclusion, not a new pitch: "my
    last message about the carrier invoices" reminds them why to call back.
    ``cfg`` is the hook's; the phrases are purpose's.
    """
    if take.context.touch != 3:
        return []
    purpose_cfg = cfg.sibling("purpose")
    last = take.find(purpose_cfg.patterns("last_message_patterns"))
    topic = take.find(purpose_cfg.patterns("patterns"))
    return sorted(topic, key=lambda m: m.first) if last and topic else []


def hook(take: Take, cfg: CheckConfig) -> Check:
    """A reason to call back: proof, or a specific benefit with a question that makes them think."""
    proof = _proof(take, cfg)
    benefit = _benefits(take, cfg)
    question = take.find(cfg.patterns("question_patterns"))
    generic = take.find(cfg.patterns("generic_patterns"))
    if proof:
        return Check(
            "hook",
            "pass",
            f"{'Your script gives' if take.is_script else 'You gave'} proof worth calling back "
            f"for: “…{take.around(proof[0]).text}…” at "
            f"{clock(proof[0].start)}.",
            "",
            _evidence(proof[:2] + benefit[:1]),
        )
    recap = _last_message_recap(take, cfg)
    if benefit or question or recap:
        first = (benefit or question or recap)[0]
        return Check(
            "hook",
            "pass",
            f"A reason to call back: “…{take.around(first).text}…” at {clock(first.start)}.",
            "",
            _evidence(benefit[:1] + question[:1] + recap[:1]),
        )
    if generic:
        return Check(
            "hook",
            "warn",
            f"Only a claim any vendor could make: “…{take.around(generic[0]).text}…”.",
            "Make the reason to call back specific: a result a peer got, a number, or a "
            "question about their situation.",
            _evidence(generic[:1]),
        )
    return Check(
        "hook",
        "fail",
        "No reason to call back: no benefit, proof or question.",
        "Give one hook: a result a peer got, a number, or a question about their situation.",
    )


def _situation_words(take: Take, situation: str, cfg: CheckConfig) -> list[str]:
    """Words of the card's situation that the take uses, compared on their first letters.

    "reconciles" finds "reconciliation" and "loads" finds "load": two words
    match when they share their first ``stem_letters`` letters (or all of the
    shorter one, at least four).  A word of the rep's own company name never
    counts: "Brightline Payroll" says what the rep sells, not the prospect's
    "payroll for 600 hourly workers".
    """
    ignore = set(cfg.strings("situation_ignore")) | set(normalise(take.context.rep.company).split())
    stem = int(cfg.num("stem_letters"))
    keywords = {
        w for w in normalise(situation).split() if len(w) >= 4 and w not in ignore and w.isalpha()
    }
    heard = {t for t in take.normalised_text.split() if len(t) >= 4}

    def same(a: str, b: str) -> bool:
        n = min(stem, len(a), len(b))
        return a[:n] == b[:n]

    return sorted(k for k in keywords if any(same(k, t) for t in heard))


def personalization(take: Take, cfg: CheckConfig) -> Check:
    """The prospect's company or situation is named; a name or "your situation" alone is weak."""
    prospect = take.context.prospect
    ratio = cfg.num("min_ratio")
    company = (
        take.find_name(prospect.company, min_ratio=ratio, first_word_min=5)
        if prospect.company
        else []
    )
    situation = _situation_words(take, prospect.situation, cfg)
    name = take.find_name(prospect.name, min_ratio=ratio) if prospect.name else []
    if company or name or len(situation) >= cfg.num("min_situation_words"):
        said = (
            f"{prospect.company} by name"
            if company
            else f"their situation ({', '.join(situation)}…)"
            if len(situation) >= cfg.num("min_situation_words")
            else f"{name[0].evidence.text} by name"
        )
        return Check(
            "personalization",
            "pass",
            f"The message is about them: you mention {said}.",
            "",
            _evidence(company[:1] + name[:1]),
        )
    generic = take.find(cfg.patterns("generic_patterns"))
    if generic:
        what = "only a generic phrase"
        return Check(
            "personalization",
            "warn",
            f"Personalised weakly: {what}.",
            f"Name {prospect.company or 'their company'} or something specific about their "
            "situation.",
            _evidence(generic[:1]),
        )
    if not (prospect.name or prospect.company or prospect.situation):
        return Check(
            "personalization",
            "skip",
            "No prospect given — use a scenario card to check personalisation.",
        )
    return Check(
        "personalization",
        "fail",
        "Nothing in the message is specific to this prospect.",
        f"Mention {prospect.company or 'their company'} and one detail of their situation.",
    )


def email_address(take: Take, cfg: CheckConfig) -> list[Match]:
    """Where an email address is spoken ("chris at northwind dot example") or written.

    Reads ``email_address_patterns`` from the call_to_action settings.
    """
    spoken = take.find(cfg.sibling("call_to_action").patterns("email_address_patterns"))
    written = [Match(i, i, (w,)) for i, w in enumerate(take.transcript.words) if "@" in w.text]
    return sorted(spoken + written, key=lambda m: m.first)


def call_to_action(take: Take, cfg: CheckConfig) -> Check:
    """One clear next step, with the means to take it; the team's preferred kind.

    "Don't call me back unless…" is no ask; a number said as the very last
    thing ("Worth a look? 415-555-0134.") is one.
    """
    unless = cfg.patterns("not_an_ask_patterns")
    callback = take.find_except(cfg.patterns("callback_patterns"), unless)
    email = take.find(cfg.patterns("email_patterns"))
    pushy = take.find(cfg.patterns("pushy_patterns"))
    others = take.find(cfg.patterns("other_step_patterns"))
    has_number = bool(take.numbers)
    has_email = bool(email_address(take, cfg))
    preferred = cfg.text("preferred")
    words = len(take.transcript.words)
    tail = int(cfg.num("number_at_end_words"))
    if not callback and take.numbers and take.numbers[-1].last_word >= words - tail:
        n = take.numbers[-1]
        callback = [
            Match(
                n.first_word,
                n.last_word,
                take.transcript.words[n.first_word : n.last_word + 1],
                "call_to_action: the number as the last words",
            )
        ]
    script = take.is_script
    if not callback and not email and (has_number or has_email):
        return Check(
            "call_to_action",
            "fail",
            ("Your script leaves" if script else "You leave")
            + " your contact details but never asks them to use them.",
            "Make the ask explicit: “If it's worth a conversation, call me at …”.",
        )
    if not callback and not email:
        return Check(
            "call_to_action",
            "fail",
            "There is no clear next step for the prospect.",
            "End with one ask: “Call me at …” (or “I'll send you an email — reply there”).",
        )
    weak = {i for m in take.find(cfg.patterns("weak_patterns")) for i in range(m.first, m.last + 1)}
    if (
        callback
        and not email
        and all(weak.intersection(range(m.first, m.last + 1)) for m in callback)
    ):
        return Check(
            "call_to_action",
            "warn",
            f"The only ask leaves the prospect to find the means: “{callback[0].evidence.text}”.",
            "Put the number in the ask itself: “If it's worth a conversation, call me at …”.",
            _evidence(callback[:1]),
        )
    if pushy:
        return Check(
            "call_to_action",
            "warn",
            f"The ask sounds pushy: “{pushy[0].evidence.text}”.",
            "Leave the timing to them: “If it's worth a conversation, call me at …”.",
            _evidence(pushy[:1]),
        )
    steps = bool(callback) + bool(email) + len({m.phrase for m in others})
    if steps > cfg.num("max_steps"):
        return Check(
            "call_to_action",
            "warn",
            f"{steps} different next steps compete: "
            + ", ".join(f"“{m.evidence.text}”" for m in (callback[:1] + email[:1] + others)[:4])
            + ".",
            "Ask for one thing: “Call me at …”.",
            _evidence(callback[:1] + others[:2]),
        )
    usable = {
        "callback": bool(callback) and has_number,
        "email": bool(email) and has_email,
    }
    wanted = ("callback", "email") if preferred == "either" else (preferred,)
    if any(usable[kind] for kind in wanted):
        kind = next(k for k in wanted if usable[k])
        first = (callback if kind == "callback" else email)[0]
        return Check(
            "call_to_action",
            "pass",
            f"A clear ask ({'call back' if kind == 'callback' else 'email'}) with the means to "
            f"act on it: “{first.evidence.text}”.",
            "",
            (first.evidence,),
        )
    if callback and not has_number and (preferred != "email"):
        return Check(
            "call_to_action",
            "warn",
            ("Your script asks" if script else "You ask")
            + " for a call back but never gives the number.",
            "Give your number with the ask: “call me at …”.",
            _evidence(callback[:1]),
        )
    if email and not has_email and (preferred != "callback"):
        return Check(
            "call_to_action",
            "warn",
            ("Your script asks" if script else "You ask")
            + " for an email but never gives the address.",
            "Spell out your address: “chris at northwind dot com”.",
            _evidence(email[:1]),
        )
    want = "a call back" if preferred == "callback" else "an email"
    return Check(
        "call_to_action",
        "warn",
        f"The ask is not the one your team prefers ({want}).",
        f"Ask for {want}, with the {'number' if preferred == 'callback' else 'address'}.",
        _evidence((callback or email)[:1]),
    )
