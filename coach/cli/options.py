"""The options several commands share, defined once (typer ``Annotated`` aliases).

With them, the classes every command and group is built from:
:class:`CoachCommand` (how arguments read in the usage line) and
:class:`CoachGroup` (a bad command line or a :class:`~coach.errors.CoachError`
becomes one ``Error:`` line and exit 2).

Each carries its help panel, so ``--help`` groups the many options of
``coach score`` and ``coach record`` the same way everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperGroup

from coach.cli.output import err
from coach.errors import CoachError


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


_COMMAND = "coach.command"  # ctx.meta key: the command line's deepest command so far


def _error_line(message: str) -> NoReturn:
    """Print ``Error: message`` as one line on stderr, then exit 2.

    A Text, not markup: messages quote card syntax like "[rep]" and user text;
    a line break typed into an option name or value must not make it two lines.
    """
    one_line = " ".join(message.splitlines())  # \r, U+2028 and the like as well
    err.print(Text.assemble(("Error:", "bold red"), f" {one_line}"), soft_wrap=True)
    raise SystemExit(2) from None


def _usage_error(exc: typer.TyperException, ctx: Any) -> NoReturn:
    """A mistyped command line as one ``Error:`` line, and exit 2.

    Typer would print the usage and a boxed panel; the promise is one line.
    ``exc`` is any error of typer's parser (unknown option or command, missing
    or invalid value); its message names the option and what is wrong, and
    the line ends by pointing at the help of the command that was mistyped:
    the error's own context, else the last command resolved under ``ctx``
    (an option missing its value is raised without a context).
    """
    own = getattr(exc, "ctx", None)
    if own is not None:
        command = _command_path(own)
    elif ctx is not None:
        command = ctx.meta.get(_COMMAND, _command_path(ctx))
    else:
        command = "coach"
    message = exc.format_message().rstrip(".")
    _error_line(f"{message} — see {command} --help")


def _command_path(ctx: Any) -> str:
    """``coach sessions show``: the command as the rep types it, however coach was started.

    Click names the root after the program (``python -m coach``, a test runner's "root").
    """
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(["coach", *reversed(names)])


def _is_help(exc: typer.TyperException) -> bool:
    """``coach`` or ``coach sessions`` alone: typer shows the help (exit 2); keep that."""
    return type(exc).__name__ == "NoArgsIsHelpError"  # typer does not export the class


class CoachGroup(TyperGroup):
    """A command group that turns a :class:`CoachError` or a usage error into one line, exit 2.

    Typer's own errors (``typer.TyperException``: no such option or command,
    an invalid or missing value) are caught where they surface: a group's own
    options in :meth:`make_context`, everything below it (the command name, a
    command's options, the command itself) in :meth:`invoke`.  ``coach`` and
    each group under it use this class, so the line names the right command.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except typer.TyperException as exc:
            if _is_help(exc):
                raise
            _usage_error(exc, kwargs.get("parent"))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:  # ctx.meta is shared by the whole command line
            ctx.meta[_COMMAND] = f"{_command_path(ctx)} {command.name or name}"
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except CoachError as exc:
            _error_line(str(exc))
        except typer.TyperException as exc:
            if _is_help(exc):
                raise
            _usage_error(exc, ctx)
        except KeyboardInterrupt:
            err.print("Interrupted.")
            raise SystemExit(130) from None


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
DetailsOpt = Annotated[
    bool,
    typer.Option(
        "--details",
        help="Show the transcript, the metrics and every check too, not only what to fix.",
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
PhoneLineOpt = Annotated[
    bool,
    typer.Option(
        "--phone-line",
        help="Also show the take as a prospect's phone transcribes it (8 kHz, AMR-NB, "
        "a voicemail service that knows nobody), and whether your number and name survive. "
        "One more decode.",
        rich_help_panel=JUDGING,
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
    str | None,
    typer.Option(
        "--store",
        metavar="FILE|URL",
        help="The practice store: a SQLite file [default: COACH_HOME/coach.db, else the user "
        "data folder's], or a team's postgresql:// URL.",
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
