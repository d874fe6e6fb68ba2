"""Shared fixtures: the project's own params, paths to the seeds and the real corpus."""

from pathlib import Path

import pytest

from pipeline.config import Params

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "raw"
ACL = ROOT.parent / "shared" / "corpora" / "acl-anthology"


@pytest.fixture(scope="session")
def params():
    """The project's own params.yaml."""
    return Params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def parse_settings(params):
    """(rules, max_control_ratio, workers) from the project's params.yaml."""
    return (*params.parse(), params.workers)


@pytest.fixture(scope="session")
def rules(parse_settings):
    return parse_settings[0]


@pytest.fixture(scope="session")
def acl_corpus():
    if not ACL.is_dir():
        pytest.skip(f"the ACL corpus is not at {ACL} (it ships in ../shared/corpora)")
    return ACL
