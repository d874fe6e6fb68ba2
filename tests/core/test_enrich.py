"""Links and release statements on real snippets."""

import pytest

from pipeline.core.enrich import code_repositories, releases
from pipeline.core.urls import find as urls


def test_urls_as_written_without_sentence_punctuation():
    text = (
        "Code at https://github.com/facebookresearch/spidr-adapt. Demo (www.x.org/~u/a_b), "
        "data: http://x.org/q?a=1&b=2; see github.com/Owner/Repo.git."
    )
    assert urls(text) == [
        "https://github.com/facebookresearch/spidr-adapt",
        "www.x.org/~u/a_b",
        "http://x.org/q?a=1&b=2",
        "github.com/Owner/Repo.git",
    ]
    assert urls("No links here, only 95% R&D.") == []


def test_code_repositories_are_host_owner_repo():
    links = [
        "https://github.com/facebookresearch/spidr-adapt",
        "HTTPS://GitHub.com/Owner/Repo.git/tree/main",
        "https://github.com/facebookresearch/spidr-adapt/blob/x.py",
        "http://x.org/page",
        "gitlab.com/g/p",
    ]
    assert code_repositories(links) == [
        "github.com/facebookresearch/spidr-adapt",
        "github.com/Owner/Repo",
        "gitlab.com/g/p",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Our code and model will be publicly available.", (True, False, True)),
        ("We release a new dataset of 10k dialogues.", (False, True, False)),
        ("The corpus is available at http://x.org.", (False, True, False)),
        ("Code: https://github.com/a/b.", (True, False, False)),
        ("We make our pretrained checkpoints public.", (False, False, True)),
        ("We study the release of gas. Models of speech are hard.", (False, False, False)),
        ("Our model uses data from a public source code.", (False, False, False)),
    ],
)
def test_releases(text, expected):
    found = releases(text, code_repositories(urls(text)))
    assert (found["code"], found["data"], found["models"]) == expected
