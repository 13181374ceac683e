"""coach prompts: the practice cards, packaged and the rep's own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.options import CoachCommand, CoachGroup
from coach.cli.output import err, out

if TYPE_CHECKING:
    from coach.practice.cards import Card


app = typer.Typer(cls=CoachGroup, invoke_without_command=True)


@app.callback()
def prompts_cmd(ctx: typer.Context) -> None:
    """List the practice cards: the packaged ones and your own.

    Your own cards go in COACH_HOME/prompts (or the prompts folder in the user
    data folder); one with the same id as a packaged card replaces it. Use an
    id anywhere a card is asked for: --card acme-t1.

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
        table.add_row(card.id, card.title, str(card.touch), _prospect_line(card))
    out.print(table)
    out.print("Show one: coach prompts show ID; practise it: coach record --scenario ID")


@app.command(cls=CoachCommand, name="show")
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
        f"Rep:      {f'{rep} (stands in until a profile or flag names you)' if rep else 'you'}",
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
