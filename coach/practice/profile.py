"""The rep profile: who is calling (name, company, callback number, email, pace), set once.

Stored as TOML in the user config folder (``$COACH_HOME/profile.toml`` when
``COACH_HOME`` is set) and used as the base of every take's context; a card's
``[rep]`` and the command-line flags override it field by field.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from coach.errors import CoachError, ProfileError
from coach.paths import NotSettingsFile, config_dir, read_settings

WPM_RANGE = (60.0, 300.0)
"""Speaking paces a profile accepts, words per minute (the same band as ``--wpm``)."""


@dataclass(frozen=True)
class Profile:
    """The rep's standing details; empty text and ``None`` mean "not set".

    Attributes
    ----------
    phone : str
        The callback number as the rep wrote it (validated, not reformatted).
    target_wpm : float or None
        The rep's speaking pace, words per minute, used to time written scripts.
    """

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    target_wpm: float | None = None
    #: the team server's URL (``coach profile set --server``): saved takes are pushed there
    server: str = ""
    #: the rep's API token on that server; the file is written readable by its owner only
    token: str = ""

    @property
    def empty(self) -> bool:
        """True when nothing has been set."""
        return self == Profile()


_TEXT = ("name", "company", "phone", "email")
#: written only when set, so a profile without a team server reads as before
_TEAM = ("server", "token")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def profile_path() -> Path:
    """Where the profile lives: ``$COACH_HOME/profile.toml`` or the user config folder."""
    return config_dir() / "profile.toml"


def load_profile(path: Path | None = None) -> Profile:
    """Read the profile; a missing file is an empty profile.

    Raises
    ------
    ProfileError
        The file is not valid TOML, has an unknown key or a value of the wrong type.
    """
    p = path or profile_path()
    try:
        data = tomllib.loads(read_settings(p))
    except FileNotFoundError:
        return Profile()
    except NotSettingsFile as exc:
        raise ProfileError(f"{p} {exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise ProfileError(f"{p} is not valid TOML — fix it or run coach profile set") from None
    except OSError as exc:
        raise ProfileError(f"cannot read {p}: {exc.strerror}") from None
    allowed = [f.name for f in fields(Profile)]
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed:
            raise ProfileError(f"{p}: unknown key {key!r} — expected one of {', '.join(allowed)}")
        if key == "target_wpm":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ProfileError(f"{p}: target_wpm must be a number, got {value!r}")
            if not WPM_RANGE[0] <= value <= WPM_RANGE[1]:  # NaN fails this too
                raise ProfileError(
                    f"{p}: target_wpm must be {WPM_RANGE[0]:g}–{WPM_RANGE[1]:g}, got {value!r}"
                )
            values[key] = float(value)
        elif not isinstance(value, str):
            raise ProfileError(f"{p}: {key} must be text, got {value!r}")
        elif _CONTROL.search(value) or len(value) > 200:
            raise ProfileError(f"{p}: {key} must be one line of text, at most 200 characters")
        else:
            values[key] = value.strip()
    return Profile(**values)


def check_email(address: str, *, option: str = "--email") -> None:
    """Refuse an address that is not one, by its syntax alone (no DNS, no network).

    ``email-validator`` is the field's checker (pydantic's too): one @, a
    domain with a dot, no spaces, and the rest of RFC 5321/5322 as mail
    servers read it; its reason goes in the message.  An empty address
    (clearing the field) passes.

    Raises
    ------
    ProfileError
        ``address`` is not an email address.
    """
    if not address.strip():
        return
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise ProfileError(
            f"{option} {address!r} is not an email address ({reason}) — "
            "e.g. chris@northwind.example"
        ) from None


def update_profile(profile: Profile, **changes: Any) -> Profile:
    """Return ``profile`` with the given fields replaced (``None`` leaves a field alone).

    Raises
    ------
    ProfileError
        The phone is not a phone number, the email not an email address, or the
        pace is outside 60–300 wpm.
    """
    from coach.speech.numbers import normalize_number

    given = {k: v for k, v in changes.items() if v is not None}
    phone = given.get("phone")
    if phone:
        try:
            normalize_number(phone)
        except ValueError:
            raise ProfileError(
                f"--phone {phone!r} is not a phone number — e.g. 415-555-0134"
            ) from None
    for key in _TEXT:
        text = given.get(key)
        if isinstance(text, str) and (_CONTROL.search(text) or len(text) > 200):
            raise ProfileError(f"--{key} must be one line of text, at most 200 characters")
        try:
            _ = text.encode("utf-8") if isinstance(text, str) else b""
        except UnicodeEncodeError:
            raise ProfileError(f"--{key} is not valid UTF-8 text — retype it") from None
    if isinstance(given.get("email"), str):
        check_email(given["email"])
    if given.get("server"):
        from coach.team.sync import check_server

        try:
            given["server"] = check_server(given["server"])
        except CoachError as exc:
            raise ProfileError(str(exc)) from None
    if given.get("token"):
        from coach.team.accounts import check_token

        try:
            given["token"] = check_token(given["token"])
        except CoachError as exc:
            raise ProfileError(str(exc)) from None
    wpm = given.get("target_wpm")
    if wpm is not None and not WPM_RANGE[0] <= wpm <= WPM_RANGE[1]:
        raise ProfileError(
            f"--target-wpm {wpm:g} is out of range — give {WPM_RANGE[0]:g}–{WPM_RANGE[1]:g}"
        )
    cleaned: dict[str, Any] = {k: v.strip() if isinstance(v, str) else v for k, v in given.items()}
    return replace(profile, **cleaned)


def save_profile(profile: Profile, path: Path | None = None) -> Path:
    """Write the profile as TOML, atomically, and return where it went.

    Raises
    ------
    ProfileError
        The folder cannot be created or the file cannot be written.
    """
    p = path or profile_path()
    lines = ["# Voicemail Coach rep profile — edit here or with: coach profile set"]
    lines += [f"{key} = {_toml_string(getattr(profile, key))}" for key in _TEXT]
    if profile.target_wpm is not None:
        lines.append(f"target_wpm = {float(profile.target_wpm)!r}")
    lines += [
        f"{key} = {_toml_string(getattr(profile, key))}" for key in _TEAM if getattr(profile, key)
    ]
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed over: an interrupted write never leaves half a profile.
        # mkstemp makes the file readable and writable by its owner only (0600), which the
        # API token in it needs; the rename keeps that mode.
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".profile-", suffix=".toml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ProfileError(
            f"cannot write {p}: {exc.strerror} — set COACH_HOME to a writable folder"
        ) from None
    return p


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string once non-ASCII stays literal (TOML refuses the
    # surrogate-pair escapes json uses for it) and DEL, which JSON leaves raw, is escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
