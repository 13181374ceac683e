"""Accounts on the team server: roles, API tokens and passwords, as values (no SQL here).

An API token is 32 random bytes from :mod:`secrets`, shown to its user once
and kept only as its sha256: a token has 256 bits of entropy, so nothing can
be guessed from a fast hash of it and a slow one would only slow every
request.  A password is chosen by a person, so it is kept as an argon2id hash
(argon2-cffi's :class:`~argon2.PasswordHasher`, its default parameters), slow
on purpose.  The store (:mod:`coach.team.store`) keeps both.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from coach.errors import CoachError

#: what each role may do: a rep pushes their own takes and reads their own reviews; a lead
#: reviews their team's takes; an admin everyone's (the review pages come in a later slice)
ROLES = ("rep", "lead", "admin")
#: a token's random bytes
TOKEN_BYTES = 32
#: what a token looks like: ``secrets.token_urlsafe(32)``, 43 URL-safe characters
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}\Z")
_NAME = re.compile(r"^[^\x00-\x1f\x7f-\x9f]{1,200}\Z")


class AccountError(CoachError):
    """A user name, role, team, password or token that cannot be used."""


def new_token() -> str:
    """A fresh API token (shown once; only :func:`token_hash` of it is kept)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a token: its sha256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token(token: str, *, option: str = "--token") -> str:
    """The token, stripped, if it has the shape of one this server hands out."""
    token = token.strip()
    if not TOKEN_SHAPE.match(token):
        raise AccountError(
            f"{option} is not an API token (43 letters, digits, - and _, as coach users add "
            "printed it) — copy it again"
        )
    return token


def check_name(name: str, what: str = "user name") -> str:
    """A user or team name: one line of text, 1–200 characters, stripped."""
    cleaned = name.strip()
    if not _NAME.match(cleaned):
        raise AccountError(f"the {what} must be one line of text, 1–200 characters")
    return cleaned


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"--role {role!r} is not a role — give one of {', '.join(ROLES)}")
    return role


def hash_password(password: str) -> str:
    """An argon2id hash of a password (salted; PHC string form)."""
    if not password:
        raise AccountError("the password is empty — write one in the file")
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from (an empty hash: never)."""
    if not stored_hash:
        return False
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
