"""A stage's code dependency is the code stage's listing of the modules its command runs
(`pipeline.stages.code`, read from the source): the code stage depends on every module, every
other stage on its own listing, and an edit changes the listings of exactly the commands
that run the module it changes."""

import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.cli import COMMANDS
from pipeline.stages import code
from tests.conftest import ROOT

STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
BUILT = sorted(set(STAGES) - {"code"})


def modules(root: Path) -> set[Path]:
    return {p for package in code.PACKAGES for p in (root / package).rglob("*.py")}


@pytest.mark.parametrize("name", BUILT)
def test_a_stage_depends_on_the_listing_of_its_command(name):
    stage = STAGES[name]
    assert stage["cmd"].startswith(f"abstracts {name} ")
    code_deps = [d for d in stage["deps"] if d.split("/")[0] in code.PACKAGES]
    assert code_deps in ([], ["schemas/json"])  # an output of the schemas stage, not code
    assert f"build/code/{name}.txt" in stage["deps"]


def test_the_code_stage_depends_on_every_module_and_writes_every_listing():
    stage = STAGES["code"]
    declared = set()
    for dep in stage["deps"]:
        path = ROOT / dep
        declared |= set(path.rglob("*.py")) if path.is_dir() else {path}
    assert sorted(p.relative_to(ROOT).as_posix() for p in modules(ROOT) - declared) == []
    assert stage["outs"] == [{"build/code": {"cache": False, "persist": True}}]
    assert set(BUILT) <= set(COMMANDS.split())


def test_the_import_graph_is_read_from_the_source():
    """A module's closure holds what it imports at the top, inside functions, and through
    packages; a module of another package is no dependency."""
    found = code.Modules().closure(ROOT / "pipeline" / "commands" / "publish.py")
    assert ROOT / "pipeline" / "stages" / "publish.py" in found  # imported in the function
    assert ROOT / "schemas" / "__init__.py" in found  # a package with code
    assert ROOT / "pipeline" / "__init__.py" not in found  # a docstring only
    assert {p.relative_to(ROOT).parts[0] for p in found} == set(code.PACKAGES)


def test_an_edit_changes_the_listings_of_the_commands_that_run_it(tmp_path):
    for package in code.PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    out = tmp_path / "build" / "code"
    (out / "gone.txt").parent.mkdir(parents=True)
    (out / "gone.txt").write_text("a command no more\n")
    commands = [*BUILT, "report"]  # the report's command, and the publish stage's
    paths = code.run(out, commands, tmp_path)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.txt" for n in commands)
    before = {p.stem: p.read_text() for p in paths}
    assert "pipeline/report/html.py" in before["report"]
    assert "pipeline/report/html.py" not in before["parse"]
    html = tmp_path / "pipeline" / "report" / "html.py"
    html.write_text(html.read_text() + "\n# an edit\n")
    after = {p.stem: p.read_text() for p in code.run(out, commands, tmp_path)}
    assert {n for n in commands if after[n] != before[n]} == {"publish", "report"}
    fields = tmp_path / "schemas" / "fields.py"
    fields.write_text(fields.read_text() + "\n# an edit\n")
    again = {p.stem: p.read_text() for p in code.run(out, commands, tmp_path)}
    assert {n for n in commands if again[n] != after[n]} == set(commands)


def test_a_listing_names_each_module_with_its_digest():
    lines = code.Modules().listing("schemas").splitlines()
    paths = [line.split("  ")[1] for line in lines]
    assert paths == sorted(paths) and "pipeline/commands/schemas.py" in paths
    for line in lines:
        digest, path = line.split("  ")
        assert len(digest) == 32 and (ROOT / path).is_file()
