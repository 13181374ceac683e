"""The tree shows the data flow: no import cycles, each phase imports only earlier ones.

speech -> rubric -> report -> pipeline -> practice / team -> views -> cli.
Imports are read from the source (every ``import`` statement, also those inside
functions, which run later but still tie the modules together); imports only
for type checking are left out, as they never run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "coach"

#: the phases in data-flow order; a module may import its own phase or earlier ones
PHASES = [
    ("coach.errors", "coach.paths"),
    ("coach.speech", "coach.context"),
    ("coach.rubric",),
    ("coach.report",),
    ("coach.pipeline",),
    ("coach.practice", "coach.team"),
    ("coach.views",),
    ("coach.cli", "coach.__main__"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def phase(module: str) -> int:
    for rank, names in enumerate(PHASES):
        if any(module == n or module.startswith(n + ".") for n in names):
            return rank
    return -1  # the coach package itself


def _type_checking_only(node: ast.AST) -> set[int]:
    """Line numbers of the statements inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.If) and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING":
            for stmt in n.body:
                for inner in ast.walk(stmt):
                    if hasattr(inner, "lineno"):
                        lines.add(inner.lineno)
    return lines


def imports(module: str) -> set[str]:
    """The coach modules ``module`` imports at run time (resolved to modules, not names)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module and name != "coach":
                found.add(name)
    return found


GRAPH = {m: imports(m) for m in MODULES}


def test_there_are_no_import_cycles() -> None:
    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = list(GRAPH[start])
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(GRAPH[m])
        return seen

    cycles = sorted(m for m in GRAPH if m in reach(m))
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_phase_imports_only_itself_and_earlier_phases(module: str) -> None:
    later = sorted(m for m in GRAPH[module] if phase(m) > phase(module))
    assert later == [], f"{module} (phase {phase(module)}) imports later phases: {later}"


def test_every_module_has_a_phase() -> None:
    assert [m for m in MODULES if phase(m) < 0 and m != "coach"] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_views_and_the_cli_print(module: str) -> None:
    """Everything else hands back data; what is shown and printed is decided at the top."""
    if phase(module) >= phase("coach.views"):
        return
    source = MODULES[module].read_text(encoding="utf-8")
    tree = ast.parse(source)
    printed = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert printed == [], f"{module} calls print() on lines {printed}"
    assert not re.search(r"^\s*(from rich|import rich)", source, re.M), f"{module} imports rich"
    assert "sys.stdout.write" not in source and "sys.stderr.write" not in source


def test_the_readme_layout_lists_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^(coach/\S+\.py)\b", layout, re.M))
    modules = {str(p.relative_to(ROOT)) for p in MODULES.values() if p.name != "__init__.py"}
    assert sorted(modules - listed) == [], "modules missing from the README's layout"
    gone = sorted(m for m in listed if not (ROOT / m).is_file())
    assert gone == [], "the README's layout lists modules that are gone"
