"""Shared fixtures: the project's own params, paths to the seeds and the real corpus."""

from pathlib import Path

import pytest

from pipeline import config

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "raw"
ACL = ROOT.parent / "shared" / "corpora" / "acl-anthology"


@pytest.fixture(scope="session")
def parse_settings():
    """(rules, max_control_ratio, workers) from the project's params.yaml."""
    path = ROOT / "params.yaml"
    return config.parse_settings(config.load(path), path)


@pytest.fixture(scope="session")
def rules(parse_settings):
    return parse_settings[0]


@pytest.fixture(scope="session")
def acl_corpus():
    if not ACL.is_dir():
        pytest.skip(f"the ACL corpus is not at {ACL} (it ships in ../shared/corpora)")
    return ACL
