"""The options several commands share, defined once (typer ``Annotated`` aliases).

Each carries its help panel, so ``--help`` groups the many options of
``coach score`` and ``coach record`` the same way everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand


class CoachCommand(TyperCommand):
    """A command whose arguments read as their metavar: ``coach score [OPTIONS] FILE…``.

    Typer writes a required list argument as ``{files}...`` with a
    ``<list[Path]>`` type column; an argument given a metavar is shown as
    that metavar alone, in the usage line and in the help.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                vars(param)["display_type_rich"] = _no_type

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument) and param.metavar:
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


def _no_type(ctx: Any) -> None:
    return None


#: help panels, in the order ``--help`` shows them
WHO = "Who is calling whom"
JUDGING = "Judging"
MODEL = "Speech model"
SAVING = "Practice store"
FILTERS = "Filters"

TouchOpt = Annotated[
    int | None,
    typer.Option(
        "--touch",
        "-t",
        min=1,
        max=1000,
        metavar="N",
        help="Which voicemail to this prospect: 1, 2 or 3.",
        show_default=False,
        rich_help_panel=WHO,
    ),
]
CardOpt = Annotated[
    str | None,
    typer.Option(
        "--card",
        "--scenario",
        "-s",
        metavar="CARD",
        help="A practice card: an id from `coach prompts` (e.g. acme-t1) or a .toml path.",
        rich_help_panel=WHO,
    ),
]
CallbackOpt = Annotated[
    str | None,
    typer.Option(
        "--callback",
        metavar="NUMBER",
        help="Your callback number, checked digit by digit (e.g. 415-555-0134).",
        rich_help_panel=WHO,
    ),
]
RepNameOpt = Annotated[
    str | None,
    typer.Option("--rep-name", metavar="NAME", help="Your name.", rich_help_panel=WHO),
]
RepCompanyOpt = Annotated[
    str | None,
    typer.Option("--rep-company", metavar="NAME", help="Your company.", rich_help_panel=WHO),
]
RepEmailOpt = Annotated[
    str | None,
    typer.Option("--rep-email", metavar="EMAIL", help="Your email address.", rich_help_panel=WHO),
]
ProspectOpt = Annotated[
    str | None,
    typer.Option("--prospect", metavar="NAME", help="The prospect's name.", rich_help_panel=WHO),
]
ProspectCompanyOpt = Annotated[
    str | None,
    typer.Option(
        "--prospect-company", metavar="NAME", help="The prospect's company.", rich_help_panel=WHO
    ),
]
SituationOpt = Annotated[
    str | None,
    typer.Option(
        "--situation",
        metavar="TEXT",
        help="The prospect's situation, in a sentence.",
        rich_help_panel=WHO,
    ),
]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print coach.report/1 JSON instead.")]
ExplainOpt = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="Show per check which rubric phrase decided it, where, and why that status "
        '(with --json: each evidence item gets its "phrase").',
        rich_help_panel=JUDGING,
    ),
]
RehearsalJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print coach.rehearsal/1 JSON instead: every take's coach.report/1."
    ),
]
ReviewJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print JSON instead: the queue as coach.review-queue/1; one take as its "
        "coach.report/1 with the session and the comments.",
    ),
]
SessionJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print the take's coach.report/1 JSON, with the session and the comments."
    ),
]
RubricOpt = Annotated[
    Path | None,
    typer.Option(
        "--rubric",
        metavar="FILE",
        help="A team rubric TOML overriding the shipped one.",
        rich_help_panel=JUDGING,
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 1 when any check fails (for scripts and CI).",
        rich_help_panel=JUDGING,
    ),
]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="base, tiny.en, or a CTranslate2 model folder.",
        rich_help_panel=MODEL,
    ),
]
BeamSizeOpt = Annotated[
    int,
    typer.Option(
        "--beam-size",
        min=1,
        max=20,
        metavar="N",
        help="Whisper beam width (1 is fastest).",
        rich_help_panel=MODEL,
    ),
]

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="FILE",
        help="The practice store, a SQLite file [default: COACH_HOME/coach.db, else the user "
        "data folder's].",
        show_default=False,
        rich_help_panel=SAVING,
    ),
]
NoSaveOpt = Annotated[
    bool,
    typer.Option(
        "--no-save", help="Do not save the take to the practice store.", rich_help_panel=SAVING
    ),
]
SentOpt = Annotated[
    bool,
    typer.Option(
        "--sent",
        help="You actually left this voicemail: log it against the prospect, so the next "
        "take for them is judged as the next touch.",
        rich_help_panel=SAVING,
    ),
]
SentOnOpt = Annotated[
    str | None,
    typer.Option(
        "--sent-on",
        metavar="YYYY-MM-DD",
        help="When you left it; implies --sent [default: now].",
        show_default=False,
        rich_help_panel=SAVING,
    ),
]

# The session filters coach sessions, export, progress and report share.
RepFilterOpt = Annotated[
    str | None,
    typer.Option(
        "--rep", metavar="NAME", help="Only this rep's takes (any case).", rich_help_panel=FILTERS
    ),
]
TouchFilterOpt = Annotated[
    int | None,
    typer.Option(
        "--touch",
        "-t",
        min=1,
        max=1000,
        metavar="N",
        help="Only takes for this touch.",
        rich_help_panel=FILTERS,
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="YYYY-MM-DD",
        help="Only takes from this day on (UTC).",
        rich_help_panel=FILTERS,
    ),
]
MinScoreOpt = Annotated[
    int | None,
    typer.Option(
        "--min-score",
        min=0,
        max=100,
        metavar="SCORE",
        help="Only takes scoring at least this.",
        rich_help_panel=FILTERS,
    ),
]
