"""Practice cards: one practice situation in TOML (who calls whom, which touch, the offer).

A card names the rep (overriding the profile), the prospect, the offer and a
brief; see SPEC "Context".  Unknown keys are refused with the file and key
named, so a typo never silently drops a field the rubric relies on.

Cards are found by path or by id: :func:`card_folders` lists where ids are
looked up (the packaged cards, then the user's own folder, whose cards win
over packaged ones with the same id).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from coach.context import Context, Offer, Prospect, Rep
from coach.errors import CardError
from coach.paths import NotSettingsFile, data_dir, read_settings


@dataclass(frozen=True)
class Brief:
    """What the rep should practise, and an optional reference script."""

    text: str = ""
    script: str = ""


@dataclass(frozen=True)
class Card:
    """A parsed practice card."""

    id: str
    title: str
    touch: int
    rep: Rep
    prospect: Prospect
    offer: Offer
    brief: Brief
    path: Path

    def played_by(self, rep: Rep) -> Card:
        """The card as ``rep`` practises it: their name, company, number and email in
        the brief and script wherever the card's stand-in rep has them.

        A card's ``[rep]`` only stands in for a rep with no identity of their
        own; a rep with a profile reads their own number, and is judged on it.
        """
        if rep == self.rep or not any(vars(rep).values()):
            return self
        text, script = self.brief.text, self.brief.script
        swaps = [(self.rep.name, rep.name), (self.rep.company, rep.company)]
        swaps.append((self.rep.email, rep.email))
        first, new_first = self.rep.name.split()[:1], rep.name.split()[:1]
        if first and new_first:  # "It's Chris" after the whole name is done
            swaps.append((first[0], new_first[0]))
        for old, new in swaps:
            if old and new and old != new:
                pattern = re.compile(rf"(?<![\w@.]){re.escape(old)}(?![\w@])")
                text, script = pattern.sub(new, text), pattern.sub(new, script)
        if self.rep.phone and rep.phone:
            from coach.rubric.rules.number import spoken_form
            from coach.speech.numbers import normalize_number

            groups = re.findall(r"\d+", self.rep.phone)
            written = re.compile(r"\(?" + r"\)?[\s.-]?".join(groups) + r"(?!\d)")
            mine = spoken_form(normalize_number(rep.phone))
            text, script = written.sub(mine, text), written.sub(mine, script)
        return replace(self, rep=rep, brief=Brief(text=text, script=script))

    def context(self, *, target_wpm: float = 150.0) -> Context:
        """The card as rubric context."""
        return Context(
            touch=self.touch,
            rep=self.rep,
            prospect=self.prospect,
            offer=self.offer,
            target_wpm=target_wpm,
        )


_TABLES: dict[str, type[Rep] | type[Prospect] | type[Offer] | type[Brief]] = {
    "rep": Rep,
    "prospect": Prospect,
    "offer": Offer,
    "brief": Brief,
}
_TOP = {"id": str, "title": str, "touch": int}
#: control characters (C0, DEL, C1): a card's text is shown in the terminal
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _table(path: Path, name: str, raw: Any, cls: type[Any]) -> Any:
    if not isinstance(raw, dict):
        raise CardError(f"{path}: [{name}] must be a table")
    allowed = {f.name for f in fields(cls)}
    for key, value in raw.items():
        if key not in allowed:
            raise CardError(
                f"{path}: unknown key {name}.{key} — expected one of {', '.join(sorted(allowed))}"
            )
        if not isinstance(value, str):
            raise CardError(f"{path}: {name}.{key} must be text, got {value!r}")
        if CONTROL.search(value.replace("\n", "").replace("\t", "")):
            raise CardError(f"{path}: {name}.{key} has a control character — write it as text")
    return cls(**{k: v.strip() for k, v in raw.items()})


def load_card(path: str | Path) -> Card:
    """Parse and validate the card at ``path``.

    Raises
    ------
    CardError
        Missing file, bad TOML, unknown key, missing or wrong-typed ``id``,
        ``title`` or ``touch`` — naming the file and the key.
    """
    p = Path(path)
    try:
        data = tomllib.loads(read_settings(p))
    except FileNotFoundError:
        raise CardError(f"{p}: no such scenario card") from None
    except NotSettingsFile as exc:
        raise CardError(f"{p} {exc}") from None
    except IsADirectoryError:
        raise CardError(f"{p} is a folder — give a .toml scenario card") from None
    except UnicodeDecodeError:
        raise CardError(f"{p}: not a text file — give a .toml scenario card") from None
    except tomllib.TOMLDecodeError as exc:
        raise CardError(f"{p}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise CardError(f"{p}: cannot read the card ({exc.strerror or exc})") from None
    for key in data:
        if key not in _TOP and key not in _TABLES:
            expected = ", ".join([*_TOP, *(f"[{t}]" for t in _TABLES)])
            raise CardError(f"{p}: unknown key {key!r} — expected {expected}")
    for key, kind in _TOP.items():
        if key not in data:
            raise CardError(f"{p}: missing {key} (e.g. {key} = {_example(key)})")
        value = data[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise CardError(f"{p}: {key} must be {kind.__name__}, got {value!r}")
        if isinstance(value, str) and (CONTROL.search(value) or len(value) > 200):
            raise CardError(f"{p}: {key} must be one line of text, at most 200 characters")
    if not 1 <= data["touch"] <= 1000:
        raise CardError(f"{p}: touch must be 1, 2 or 3, got {data['touch']}")
    parts = {name: _table(p, name, data.get(name, {}), cls) for name, cls in _TABLES.items()}
    return Card(
        id=data["id"],
        title=data["title"],
        touch=data["touch"],
        rep=parts["rep"],
        prospect=parts["prospect"],
        offer=parts["offer"],
        brief=parts["brief"],
        path=p,
    )


def _example(key: str) -> str:
    return {"id": '"acme-t1"', "title": '"First voicemail to Acme"', "touch": "1"}[key]


def packaged_folder() -> Path:
    """Where the cards that come with the coach are.

    ``coach/prompts`` in an installed wheel (pyproject.toml maps the
    repository's ``prompts/`` there), else the repository's ``prompts/`` itself
    (a clone or an editable install).
    """
    package = Path(__file__).resolve().parent.parent
    installed = package / "prompts"
    return installed if installed.is_dir() else package.parent / "prompts"


def card_folders() -> list[Path]:
    """Where card ids are looked up, lowest precedence first.

    The packaged cards (:func:`packaged_folder`) and the user's own
    ``$COACH_HOME/prompts`` or ``<user data folder>/prompts``, whether it
    exists yet or not.
    """
    packaged = packaged_folder()
    user = data_dir() / "prompts"
    return [packaged, user] if packaged.is_dir() and packaged != user else [user]


def list_cards() -> tuple[list[Card], list[tuple[Path, CardError]]]:
    """Every card in :func:`card_folders`, sorted by id, and the files that failed.

    A card in a later folder replaces one with the same id in an earlier
    folder, so a rep's own copy wins over the packaged card.  A malformed card
    does not hide the others: its error (naming the file and the key) is
    returned beside them.
    """
    by_id: dict[str, Card] = {}
    problems: list[tuple[Path, CardError]] = []
    for folder in card_folders():
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                card = load_card(path)
            except CardError as exc:
                problems.append((path, exc))
                continue
            by_id[card.id] = card
    return sorted(by_id.values(), key=lambda c: c.id), problems


def find_card(spec: str | Path) -> Card:
    """The card at a path, or the card with that id in :func:`card_folders`.

    Raises
    ------
    CardError
        A path that is not a valid card; an id no folder has (naming the
        folders looked in); an id whose file is malformed (that file's error).
    """
    text = str(spec)
    if Path(text).is_file() or text.endswith(".toml") or "/" in text or "\\" in text:
        return load_card(text)
    cards, problems = list_cards()
    for path, problem in problems:
        # A file named after the id but broken (a rep's copy with a typo): its own
        # message, rather than silently practising with another card or "unknown card".
        if path.stem == text:
            raise problem
    for card in cards:
        if card.id == text:
            return card
    looked = ", ".join(str(f) for f in card_folders())
    raise CardError(f"unknown card {text!r} — run coach prompts to list them (looked in: {looked})")
