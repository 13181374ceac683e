"""The rules, one small function per check, grouped by what they judge.

:data:`RULES` is the one list of them: adding a rule is adding its function
to a module here and a line to the table (and its settings to
``default.toml``).  The engine runs the ones the rubric enables, in the
rubric's order.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.rubric.checks import Check, Take
from coach.rubric.config import CheckConfig
from coach.rubric.rules import content, delivery, number, touch

RuleFn = Callable[[Take, CheckConfig], Check]

#: check id -> the rule that judges it (each id has a table in default.toml)
RULES: dict[str, RuleFn] = {
    "identity": content.identity,
    "purpose": content.purpose,
    "hook": content.hook,
    "personalization": content.personalization,
    "callback_number": number.callback_number,
    "number_placement": number.number_placement,
    "touch_wording": touch.touch_wording,
    "opening": touch.opening,
    "call_to_action": content.call_to_action,
    "length": delivery.length,
    "pace": delivery.pace,
    "fillers": delivery.fillers,
    "pauses": delivery.pauses,
    "delivery": delivery.delivery,
}
