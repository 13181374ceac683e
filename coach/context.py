"""Who is calling whom, and which voicemail this is: the context a take is judged in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Rep:
    """The sales rep leaving the voicemail (from the profile, a card or flags)."""

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Prospect:
    """Who the voicemail is for."""

    name: str = ""
    title: str = ""
    company: str = ""
    situation: str = ""


@dataclass(frozen=True)
class Offer:
    """What the rep offers: the value and the proof behind it."""

    value: str = ""
    proof: str = ""


@dataclass(frozen=True)
class Context:
    """Everything the rules know besides the take itself.

    Attributes
    ----------
    touch : int or None
        Which voicemail to this prospect this is (1, 2, 3; 4+ is one too many);
        ``None`` when unknown.
    target_wpm : float
        The rep's speaking pace, words per minute, used to time a written script.
    days_since_previous : float or None
        Days between the previous voicemail actually left for this prospect
        and this one; ``None`` when there is none on record.
    rep_from : str
        Where :attr:`rep` came from, said to the rep ("your profile",
        "--callback", "the card acme-t1"); empty when nobody is named.
    """

    touch: int | None = None
    rep: Rep = field(default_factory=Rep)
    prospect: Prospect = field(default_factory=Prospect)
    offer: Offer = field(default_factory=Offer)
    target_wpm: float = 150.0
    days_since_previous: float | None = None
    rep_from: str = ""

    def hotwords(self) -> str | None:
        """Names and companies to prime Whisper with — never digits.

        Whisper then spells them as the card does ("Acme", not "Akmi"; see
        docs/decisions.md).  Digits are left out so a wrong number is still
        heard as wrong.
        """
        peers = re.findall(r"\b[A-Z][A-Za-z&'-]+(?: [A-Z][A-Za-z&'-]+)*", self.offer.proof)
        names = [
            self.rep.name,
            self.rep.company,
            self.prospect.name,
            self.prospect.company,
            *peers,
        ]
        kept = [n.strip() for n in names if n.strip() and not any(c.isdigit() for c in n)]
        unique = list(dict.fromkeys(kept))
        return ", ".join(unique) if unique else None

    def callback_digits(self) -> str | None:
        """The rep's number as digits (``"4155550134"``), or ``None`` when not known.

        After decoding, a number heard a digit or two from it is weighed
        against it (:mod:`coach.speech.verify`); it never primes the decoding.
        """
        from coach.speech.numbers import normalize_number

        try:
            return normalize_number(self.rep.phone) if self.rep.phone else None
        except ValueError:
            return None

    def with_touch(self, touch: int | None) -> Context:
        """Return a copy with ``touch`` replaced when it is given."""
        return self if touch is None else replace(self, touch=touch)
