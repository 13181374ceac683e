"""Who is calling whom, and which voicemail this is: the context a take is judged in."""

from __future__ import annotations

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
    """

    touch: int | None = None
    rep: Rep = field(default_factory=Rep)
    prospect: Prospect = field(default_factory=Prospect)
    offer: Offer = field(default_factory=Offer)
    target_wpm: float = 150.0

    def with_touch(self, touch: int | None) -> Context:
        """Return a copy with ``touch`` replaced when it is given."""
        return self if touch is None else replace(self, touch=touch)
