"""coach users: the team server's accounts and their API tokens (add, token, revoke, list)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.options import CoachGroup
from coach.cli.output import err, out
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.team.store import Store, User

app = typer.Typer(cls=CoachGroup, no_args_is_help=True)

TeamStoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="PATH|URL",
        help="The team's store: a postgresql:// URL, or a SQLite file [default: "
        "COACH_HOME/coach.db].",
        show_default=False,
    ),
]
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The user's name.")]

_ONCE = "This token is shown only once: give it to {name} now (coach users token makes another)."


@app.callback()
def users_cmd() -> None:
    """Accounts on the team server (coach serve): reps push takes, leads review them.

    Each user has a role (rep, lead or admin), a team and API tokens; a
    token is printed once and kept only as its sha256.

    Example: coach users add "Chris Walker" --role rep --team west --store postgresql:///coach
    """


@app.command("add")
def users_add(
    name: NameArg,
    role: Annotated[
        str, typer.Option("--role", metavar="rep|lead|admin", help="What the user may do.")
    ],
    team: Annotated[str, typer.Option("--team", metavar="TEAM", help="The user's team.")],
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            metavar="FILE",
            help="A file whose first line is the user's password (kept as an argon2 hash).",
        ),
    ] = None,
    store: TeamStoreOpt = None,
) -> None:
    """Add a user and print their first API token (once).

    The rep puts the token in their profile: coach profile set --server URL --token TOKEN.

    Example: coach users add "Chris Walker" --role rep --team west
    """
    from coach.team.accounts import check_name, check_role, hash_password, new_token, token_hash
    from coach.team.store import Store

    name = check_name(name)
    role = check_role(role)
    team = check_name(team, "team")
    password_hash = hash_password(_password(password_file)) if password_file else ""
    token = new_token()
    with Store(store) as opened:
        user = opened.add_user(name, role, team, password_hash=password_hash)
        opened.add_token(user, token_hash(token))
        where = opened.where
    err.print(
        f"Added {user.role} {user.name} (team {user.team}) to {where}", markup=False, soft_wrap=True
    )
    out.print(token, markup=False, soft_wrap=True)
    err.print(_ONCE.format(name=user.name), markup=False, soft_wrap=True)


@app.command("token")
def users_token(name: NameArg, store: TeamStoreOpt = None) -> None:
    """Make another API token for a user and print it (once); their other tokens still work.

    Example: coach users token "Chris Walker"
    """
    from coach.team.accounts import new_token, token_hash
    from coach.team.store import Store

    token = new_token()
    with Store(store) as opened:
        user = _known(opened, name)
        opened.add_token(user, token_hash(token))
    out.print(token, markup=False, soft_wrap=True)
    err.print(_ONCE.format(name=user.name), markup=False, soft_wrap=True)


@app.command("revoke")
def users_revoke(
    name: NameArg,
    token: Annotated[
        str | None,
        typer.Option("--token", metavar="TOKEN", help="Revoke only this token of the user."),
    ] = None,
    store: TeamStoreOpt = None,
) -> None:
    """Revoke all of a user's API tokens (or only --token): the server refuses them from now on.

    Example: coach users revoke "Chris Walker"
    """
    from coach.team.accounts import check_token, token_hash
    from coach.team.store import Store

    digest = None if token is None else token_hash(check_token(token))
    with Store(store) as opened:
        user = _known(opened, name)
        revoked = opened.revoke_tokens(user, token_sha256=digest)
        left = opened.live_tokens(user)
    if digest is not None and not revoked:
        raise CoachError(f"that token is not a live token of {user.name} — nothing revoked")
    noun = "token" if revoked == 1 else "tokens"
    out.print(
        f"Revoked {revoked} {noun} of {user.name}; {left} still valid", markup=False, soft_wrap=True
    )


@app.command("passwd")
def users_passwd(
    name: NameArg,
    password_file: Annotated[
        Path,
        typer.Option(
            "--password-file",
            metavar="FILE",
            help="A file whose first line is the new password (kept as an argon2 hash).",
        ),
    ],
    store: TeamStoreOpt = None,
) -> None:
    """Set a user's password, for logging in to the review pages of coach serve.

    Example: coach users passwd "Lee Lead" --password-file lee.txt
    """
    from coach.team.accounts import hash_password
    from coach.team.store import Store

    password_hash = hash_password(_password(password_file))
    with Store(store) as opened:
        user = _known(opened, name)
        opened.set_password(user, password_hash)
    out.print(
        f"Set the password of {user.name}: they can log in to coach serve now",
        markup=False,
        soft_wrap=True,
    )


@app.command("list")
def users_list(store: TeamStoreOpt = None) -> None:
    """List the users: name, role, team, live tokens, whether a password is set.

    Example: coach users list --store postgresql:///coach
    """
    from rich.table import Table

    from coach.team.store import Store

    with Store(store, write=False) as opened:
        users = [(u, opened.live_tokens(u)) for u in opened.users()]
        where = opened.where
    if not users:
        out.print(f"No users in {where} — add one: coach users add NAME --role rep --team TEAM")
        return
    table = Table(title=f"Users ({where})")
    for column in ("name", "role", "team", "tokens", "password"):
        table.add_column(column)
    for user, live in users:
        table.add_row(
            user.name, user.role, user.team, str(live), "set" if user.password_hash else "—"
        )
    out.print(table)


def _known(store: Store, name: str) -> User:
    user = store.user(name)
    if user is None:
        raise CoachError(f"no user named {name!r} in {store.where} — see coach users list")
    return user


def _password(path: Path) -> str:
    """The first line of the password file, without its line end."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoachError(f"cannot read the password file {path}: {exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise CoachError(f"the password file {path} is empty — write the password on line 1")
    return lines[0]
