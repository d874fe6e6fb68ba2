"""dvc.yaml declares, for every stage, exactly the project's modules its command imports
(found from the source, every import statement, also those inside functions), so that an
edit of a module re-runs exactly the stages that run it."""

import ast
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

PACKAGES = ("pipeline", "schemas")
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def module_path(name: str) -> Path | None:
    """The file of the project's module `name`, or None if it is no module of ours."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if name.split(".")[0] in PACKAGES and path.is_file():
            return path
    return None


def imported(path: Path) -> set[Path]:
    """The files of the project's modules that the module at `path` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    parents = {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}
    return {p for p in map(module_path, names | parents) if p and has_code(p)}


def has_code(path: Path) -> bool:
    """Whether the module holds more than a docstring (an empty package's __init__ does not
    need declaring)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def closure(entry: Path) -> set[Path]:
    """`entry` and every project module it imports, directly or not."""
    found, todo = set(), [entry]
    while todo:
        path = todo.pop()
        if path not in found:
            found.add(path)
            todo.extend(imported(path))
    return found


def declared_code(stage: dict) -> set[Path]:
    """The Python files of the stage's declared dependencies (folders expanded)."""
    files = set()
    for dep in stage.get("deps", []):
        path = ROOT / dep
        files.update(path.rglob("*.py") if path.is_dir() else [path] if dep.endswith(".py") else [])
    return {p for p in files if has_code(p)}


@pytest.mark.parametrize("name", sorted(STAGES))
def test_stage_declares_exactly_the_modules_it_runs(name):
    assert STAGES[name]["cmd"].startswith(f"abstracts {name} ")
    needed = closure(ROOT / "pipeline" / "commands" / f"{name}.py")
    declared = declared_code(STAGES[name])
    assert sorted(p.relative_to(ROOT).as_posix() for p in needed - declared) == [], "missing"
    assert sorted(p.relative_to(ROOT).as_posix() for p in declared - needed) == [], "not run"


def test_the_import_graph_is_read_from_the_source():
    """A module's closure holds what it imports at the top, inside functions, and through
    packages; a module of another package is no dependency."""
    found = closure(ROOT / "pipeline" / "commands" / "publish.py")
    assert ROOT / "pipeline" / "stages" / "publish.py" in found  # imported in the function
    assert ROOT / "schemas" / "__init__.py" in found  # a package with code
    assert ROOT / "pipeline" / "__init__.py" not in found  # a docstring only
    assert {p.relative_to(ROOT).parts[0] for p in found} == set(PACKAGES)
