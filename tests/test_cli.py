"""The `abstracts` command: help everywhere, and user mistakes told in one clear line."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import ROOT, tree


@pytest.mark.parametrize("args", [[], *([name] for name in sorted(main.commands))])
def test_help_everywhere(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output


def invoke(tmp_path, *args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_missing_raw_folder(tmp_path):
    result = invoke(
        tmp_path,
        "parse",
        "--raw",
        str(tmp_path / "raw"),
        "--params",
        str(ROOT / "params.yaml"),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 1
    assert f"Error: {tmp_path}/raw: no such folder; put the raw dumps in" in result.output


@pytest.mark.parametrize(
    "params, message",
    [
        (None, "params.yaml: no such file; run from the project's top folder"),
        ("parse: [1", "params.yaml:1: not valid YAML: expected ',' or ']'"),
        (
            "workers: 0\nparse:\n  a: 1\n b: 2\n",
            "params.yaml:4: not valid YAML: expected <block end>",
        ),
        (
            "workers: 0\nparse: {page_chrome: [], max_control_ratio: 0.1}",
            "params.yaml: parse.max_fragment_words: expected an int in [0, 1000], it is missing",
        ),
        ("other: {}", "params.yaml: section `parse:` is missing or not a mapping"),
        (
            "workers: 0\nparse: {page_chrome: ['('], max_fragment_words: 4, max_control_ratio: .1}",
            "params.yaml: parse.page_chrome: bad pattern '('",
        ),
        (
            "workers: 0\nparse: {page_chrome: [], max_fragment_words: -1, max_control_ratio: 0.1}",
            "params.yaml: parse.max_fragment_words: expected an int in [0, 1000], got -1",
        ),
    ],
)
def test_bad_params(tmp_path, params, message):
    path = tmp_path / "params.yaml"
    if params is not None:
        path.write_text(params)
    result = invoke(
        tmp_path,
        "parse",
        "--params",
        str(path),
        "--raw",
        str(ROOT / "raw"),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_parse_then_normalize_then_dedup_in_one_command(tmp_path):
    """`parse --normalized --dedup` (dvc.yaml's parse stage) writes what `parse`, then
    `normalize`, then `dedup` write; a bad normalize or dedup value fails it before it
    parses anything; `--dedup` needs `--normalized`."""
    paths = ("--params", str(ROOT / "params.yaml"), "--raw", str(ROOT / "raw"))
    none = ("--registry", str(tmp_path / "no-registry.tsv"))
    one, apart = tmp_path / "one", tmp_path / "apart"
    for out in (one, apart):
        out.mkdir()
        args = (*paths, "--out", str(out / "parse"), "--metrics", str(out / "parse.json"))
        fused = (
            ("--normalized", str(out / "normalize"), "--dedup", str(out / "dedup"))
            + ("--dedup-metrics", str(out / "dedup.json"), *none)
            if out == one
            else ()
        )
        assert invoke(tmp_path, "parse", *args, *fused).exit_code == 0
    parsed, normalized = str(apart / "parse"), str(apart / "normalize")
    done = invoke(tmp_path, "normalize", *paths[:2], "--parsed", parsed, "--out", normalized)
    assert done.exit_code == 0 and "normalized, the others unchanged" in done.output
    done = invoke(
        tmp_path, "dedup", *paths[:2], "--normalized", normalized, "--out",
        str(apart / "dedup"), "--metrics", str(apart / "dedup.json"), *none,
    )  # fmt: skip
    assert done.exit_code == 0 and "abstracts" in done.output
    assert tree(one) == tree(apart) and (one / "dedup" / "links.json").exists()
    for line, bad_line, key in (
        ("batch_rows: 20000", "batch_rows: 0", "normalize.batch_rows"),
        ("min_words: 30", "min_words: -1", "abstracts.min_words"),
    ):
        bad = tmp_path / "params.yaml"
        bad.write_text((ROOT / "params.yaml").read_text().replace(line, bad_line))
        out = tmp_path / "bad"
        done = invoke(
            tmp_path, "parse", "--params", str(bad), *paths[2:], "--out", str(out / "p"),
            "--metrics", str(out / "m.json"), "--normalized", str(out / "n"),
            "--dedup", str(out / "d"),
        )  # fmt: skip
        assert done.exit_code == 1 and f"{key}: expected" in done.output
        assert not out.exists()
    done = invoke(tmp_path, "parse", *paths, "--out", str(out / "p"), "--dedup", str(out / "d"))
    assert done.exit_code == 2 and "--dedup needs --normalized" in done.output
    assert not out.exists()


def test_the_command_starts_without_the_heavy_libraries():
    """Each subcommand imports what it needs when it runs, so `abstracts --help` loads none
    of them (its time is measured in `make bench`)."""
    code = "import sys, pipeline.cli; print(*sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in done.stdout.split()}
    assert "click" in loaded
    assert not loaded & {"pandas", "pyarrow", "pandera", "numpy", "datasets", "dvc", "yaml"}


@pytest.mark.parametrize(
    "args, code", [(["schemas", "--help"], 0), (["nosuch"], 2), (["parse", "--raw", "/no"], 1)]
)
def test_the_installed_command_ends_with_its_code_output_and_exit_handlers(tmp_path, args, code):
    """`abstracts` as installed ends without tearing its modules down: its exit code, all it
    wrote and what its exit handlers do are kept."""
    mark = tmp_path / "exited"
    script = (
        "import atexit, pathlib, sys; from pipeline.cli import run; "
        f"atexit.register(pathlib.Path({str(mark)!r}).touch); "
        "print('unflushed', end=''); sys.argv = ['abstracts', *sys.argv[1:]]; run()"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert done.returncode == code, done.stderr
    assert done.stdout.startswith("unflushed") and mark.exists()
    assert ("Usage:" in done.stdout) == (code == 0) and ("Error:" in done.stderr) == (code > 0)
