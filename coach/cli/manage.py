"""Commands that manage what is kept: the rep profile, practice cards, sessions."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from coach.cli import (
    JsonOpt,
    MinScoreOpt,
    RepFilterOpt,
    SinceOpt,
    StoreOpt,
    TouchFilterOpt,
    _emit,
    _since_day,
    app,
    err,
    out,
)
from coach.errors import CoachError

if TYPE_CHECKING:
    from rich.table import Table

    from coach.practice.cards import Card
    from coach.practice.profile import Profile
    from coach.team.store import Session, Store


profile_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None)
app.add_typer(profile_app, name="profile")


@profile_app.callback()
def profile_cmd(ctx: typer.Context) -> None:
    """Your rep profile: name, company, callback number, email and pace, used for every take.

    Stored in COACH_HOME/profile.toml (or the user config folder). A scenario
    card's [rep] overrides it field by field; flags override both. Without a
    subcommand, shows it.

    Example: coach profile set --name "Chris Walker" --phone 415-555-0134
    """
    if ctx.invoked_subcommand is None:
        from coach.practice.profile import load_profile

        _show_profile(load_profile())


@profile_app.command("set")
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
) -> None:
    """Set your profile; only the fields you give change.

    Example: coach profile set --company "Northwind Logistics" --target-wpm 140
    """
    from coach.practice.profile import load_profile, save_profile, update_profile

    changes = dict(name=name, company=company, phone=phone, email=email, target_wpm=target_wpm)
    if all(v is None for v in changes.values()):
        raise CoachError(
            "nothing to set — give --name, --company, --phone, --email or --target-wpm"
        )
    profile = update_profile(load_profile(), **changes)
    path = save_profile(profile)
    err.print(f"Saved {escape(str(path))}", soft_wrap=True)
    _show_profile(profile)


@profile_app.command("show")
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
    ]
    out.print(f"Profile ({path})", markup=False, soft_wrap=True)
    for label, value in rows:
        out.print(f"  {label:<11} {value or '—'}", markup=False, soft_wrap=True)


prompts_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None)
app.add_typer(prompts_app, name="prompts")


@prompts_app.callback()
def prompts_cmd(ctx: typer.Context) -> None:
    """List the practice cards: the packaged ones and your own.

    Your own cards go in COACH_HOME/prompts (or the prompts folder in the user
    data folder); one with the same id as a packaged card replaces it. Use an
    id anywhere a card is asked for: --scenario acme-t1.

    Example: coach prompts
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from coach.practice.cards import card_folders, list_cards

    cards, problems = list_cards()
    for _, problem in problems:
        err.print(f"Warning: skipped {problem}", markup=False, soft_wrap=True)
    if not cards:
        folders = ", ".join(str(f) for f in card_folders())
        out.print(f"No practice cards found (looked in: {folders}).", markup=False)
        return
    table = Table(title="Practice cards")
    table.add_column("Id", no_wrap=True)
    table.add_column("Title")
    table.add_column("Touch", justify="right")
    table.add_column("Prospect")
    for card in cards:
        table.add_row(
            escape(card.id), escape(card.title), str(card.touch), escape(_prospect_line(card))
        )
    out.print(table)
    out.print("Show one: coach prompts show ID; practise it: coach record --scenario ID")


@prompts_app.command("show")
def prompts_show(
    card_id: Annotated[
        str, typer.Argument(metavar="ID", help="A card id from coach prompts, or a .toml path.")
    ],
) -> None:
    """Show one practice card: who calls whom, the offer, the brief and the script.

    Example: coach prompts show acme-t1
    """
    from coach.practice.cards import find_card

    card = find_card(card_id)
    rep = ", ".join(
        v for v in (card.rep.name, card.rep.company, card.rep.phone, card.rep.email) if v
    )
    lines = [
        f"{card.id} — {card.title}",
        f"Card:     {card.path}",
        f"Touch:    {card.touch}",
        f"Rep:      {rep or 'from your profile'}",
        f"Prospect: {_prospect_line(card) or '—'}",
    ]
    if card.prospect.situation:
        lines.append(f"          {card.prospect.situation}")
    if card.offer.value:
        lines.append(f"Offer:    {card.offer.value}")
    if card.offer.proof:
        lines.append(f"Proof:    {card.offer.proof}")
    if card.brief.text:
        lines += ["", "Brief:", f"  {card.brief.text}"]
    if card.brief.script:
        lines += ["", "Script:", f"  {card.brief.script}"]
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)


def _prospect_line(card: Card) -> str:
    p = card.prospect
    return ", ".join(v for v in (p.name, p.title, p.company) if v)


sessions_app = typer.Typer(invoke_without_command=True, rich_markup_mode=None)
app.add_typer(sessions_app, name="sessions")

SessionIdArg = Annotated[
    int, typer.Argument(metavar="ID", help="A session id from coach sessions.", show_default=False)
]


@sessions_app.callback()
def sessions_cmd(
    ctx: typer.Context,
    rep: RepFilterOpt = None,
    touch: TouchFilterOpt = None,
    since: SinceOpt = None,
    min_score: MinScoreOpt = None,
    prospect: Annotated[
        str | None,
        typer.Option("--prospect", help="Only takes for this prospect (any case)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print coach.sessions/1 JSON instead.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """List your saved practice takes, newest first: when, rep, card, touch, score, top fix.

    Every take coach score, record and rehearse score is saved (unless
    --no-save) in COACH_HOME/coach.db, with a FLAC copy of its audio beside
    it. Without a subcommand, lists them.

    Example: coach sessions --touch 1 --since 2025-03-01 --min-score 70
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = store
        return
    from coach.team.store import Store

    day = _since_day(since)
    with Store(store) as opened:
        found = opened.sessions(
            rep=rep, touch=touch, since=day, min_score=min_score, prospect=prospect
        )
        path = opened.path
    if as_json:
        payload = {
            "schema": "coach.sessions/1",
            "store": str(path),
            "sessions": [s.summary() for s in found],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    if not found:
        filtered = any(v is not None for v in (rep, touch, since, min_score, prospect))
        out.print(
            f"No sessions match in {path}."
            if filtered
            else f"No saved sessions yet in {path}. Score a take: coach score take.m4a",
            markup=False,
            soft_wrap=True,
        )
        return
    out.print(sessions_table(found, f"Practice sessions ({len(found)})"))
    out.print("Show one: coach sessions show ID; remove one: coach sessions delete ID")


def sessions_table(sessions: list[Session], title: str, *, reviewed: bool = False) -> Table:
    """Saved takes, one row each; ``reviewed`` adds when a lead reviewed each."""
    from rich.table import Table

    from coach.views.terminal import score_style

    table = Table(title=title)
    table.add_column("Id", justify="right", no_wrap=True)
    table.add_column("When", no_wrap=True)
    table.add_column("Rep")
    table.add_column("Card")
    table.add_column("Touch", justify="right", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    if reviewed:
        table.add_column("Reviewed", no_wrap=True)
    table.add_column("Top fix", ratio=1)
    for s in sessions:
        touch = "—" if s.touch is None else str(s.touch) + (" sent" if s.sent_at else "")
        row = [
            str(s.id),
            _local_time(s.created_at),
            escape(s.rep) or "—",
            escape(s.card_id) or "—",
            touch,
            f"[{score_style(s.score)}]{s.score}[/]",
        ]
        if reviewed:
            row.append("—" if s.reviewed_at is None else "✔ " + _local_time(s.reviewed_at)[:10])
        fix = s.top_fix if len(s.top_fix) <= 60 else s.top_fix[:59].rstrip() + "…"
        table.add_row(*row, escape(fix) or "—")
    return table


def _local_time(created_at: str) -> str:
    """A stored UTC time (``2025-03-01T09:30:00Z``) as local ``2025-03-01 10:30``."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(created_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return created_at


@sessions_app.command("show")
def sessions_show(
    ctx: typer.Context,
    session_id: SessionIdArg,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Show a saved take's report, as coach score printed it.

    Example: coach sessions show 12
    """
    from coach.team.store import Store

    with Store(store or ctx.obj) as opened:
        show_session(opened, opened.get(session_id), as_json=as_json)


def show_session(store: Store, session: Session, *, as_json: bool) -> None:
    """A saved take's report as reviewed (overrides applied), with the lead's comments."""
    from coach.report import to_json
    from coach.views.terminal import comments_view

    report = store.reviewed_report(session)
    comments = store.comments(session.id)
    if as_json:
        payload = to_json(report)
        payload["session"] = session.summary()
        payload["comments"] = [
            {"at_s": c.at_s, "text": c.text, "author": c.author, "created_at": c.created_at}
            for c in comments
        ]
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    who = ", ".join(
        v
        for v in (
            session.rep,
            f"card {session.card_id}" if session.card_id else "",
            f"for {session.prospect}" if session.prospect else "",
            f"left {_local_time(session.sent_at)}" if session.sent_at else "",
        )
        if v
    )
    out.print(
        f"Session {session.id} — {_local_time(session.created_at)}" + (f" — {who}" if who else ""),
        markup=False,
        soft_wrap=True,
    )
    if session.audio is not None:
        out.print(f"Audio: {session.audio}", markup=False, soft_wrap=True)
    if report.overrides:
        out.print(
            f"Reviewed score {report.score} (the coach gave {session.report.score})",
            markup=False,
        )
    _emit([report], as_json=False, many=False)
    if comments:
        out.print(comments_view(comments))


@sessions_app.command("delete")
def sessions_delete(
    ctx: typer.Context,
    session_id: SessionIdArg,
    store: StoreOpt = None,
) -> None:
    """Remove a saved take and its audio copy (the original file is left alone).

    Example: coach sessions delete 12
    """
    from coach.team.store import Store

    with Store(store or ctx.obj) as opened:
        session = opened.delete(session_id)
    out.print(f"Deleted session {session.id} ({session.source})", markup=False, soft_wrap=True)
