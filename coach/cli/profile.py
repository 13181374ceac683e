"""coach profile: the rep's name, company, callback number, email and pace, set once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.options import CoachGroup
from coach.cli.output import err, out
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.practice.profile import Profile


app = typer.Typer(cls=CoachGroup, invoke_without_command=True)


@app.callback()
def profile_cmd(ctx: typer.Context) -> None:
    """Your rep profile: name, company, callback number, email and pace, used for every take.

    Stored in COACH_HOME/profile.toml (or the user config folder). A practice
    card's [rep] overrides it field by field; flags override both. Without a
    subcommand, shows it.

    Example: coach profile set --name "Chris Walker" --phone 415-555-0134
    """
    if ctx.invoked_subcommand is None:
        from coach.practice.profile import load_profile

        _show_profile(load_profile())


@app.command("set")
def profile_set(
    name: Annotated[str | None, typer.Option("--name", help="Your name.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Your company.")] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help="Your callback number (e.g. 415-555-0134).")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Your email address.")] = None,
    target_wpm: Annotated[
        float | None,
        typer.Option(
            "--target-wpm", min=60, max=300, help="Your speaking pace, to time written scripts."
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            metavar="URL",
            help="Your team server (coach serve): every saved take is also sent there.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", metavar="TOKEN", help="Your API token on that server (from your lead)."
        ),
    ] = None,
) -> None:
    """Set your profile; only the fields you give change.

    With --server and --token, every take you save is also sent to your
    team's server (coach sync sends what could not be, and brings your
    lead's reviews back). The profile file is readable by you only.

    Example: coach profile set --company "Northwind Logistics" --target-wpm 140
    """
    from coach.practice.profile import load_profile, save_profile, update_profile

    changes = dict(
        name=name,
        company=company,
        phone=phone,
        email=email,
        target_wpm=target_wpm,
        server=server,
        token=token,
    )
    if all(v is None for v in changes.values()):
        raise CoachError(
            "nothing to set — give --name, --company, --phone, --email, --target-wpm, "
            "--server or --token"
        )
    profile = update_profile(load_profile(), **changes)
    path = save_profile(profile)
    err.print(f"Saved {path}", soft_wrap=True)
    _show_profile(profile)


@app.command("show")
def profile_show() -> None:
    """Show your profile and where it is stored.

    Example: coach profile show
    """
    from coach.practice.profile import load_profile

    _show_profile(load_profile())


def _show_profile(profile: Profile) -> None:
    from coach.practice.profile import profile_path

    path = profile_path()
    if profile.empty:
        out.print(f"No profile yet ({path} does not exist). Set it once with:", markup=False)
        out.print(
            '  coach profile set --name "Chris Walker" --company "Northwind Logistics" '
            "--phone 415-555-0134 --email chris@northwind.example",
            markup=False,
            soft_wrap=True,
        )
        return
    wpm = f"{profile.target_wpm:g}" if profile.target_wpm is not None else "150 (default)"
    rows = [
        ("name", profile.name),
        ("company", profile.company),
        ("phone", profile.phone),
        ("email", profile.email),
        ("target wpm", wpm),
        ("server", profile.server),
        ("token", f"set (…{profile.token[-4:]})" if profile.token else ""),
    ]
    out.print(f"Profile ({path})", markup=False, soft_wrap=True)
    for label, value in rows:
        out.print(f"  {label:<11} {value or '—'}", markup=False, soft_wrap=True)
