"""What users ask of an abstract besides its text: counts, links, release statements."""

import re

from pipeline.core.urls import CODE_HOSTS

_REPOSITORY = re.compile(
    r"(?:https?://)?(?:www\.)?(" + "|".join(map(re.escape, CODE_HOSTS)) + r")/"
    r"([\w.-]+)/([\w.-]+)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_RELEASE = re.compile(
    r"\b(?:releas(?:e|ed|ing)|available|open[- ]sourc(?:e|ed|ing)"
    r"|ma(?:k|d)e (?:\w+ ){0,4}public|can be (?:found|downloaded|accessed)|share[sd]?)\b",
    re.IGNORECASE,
)
RELEASED = {
    "code": re.compile(
        r"\b(?:code|source|implementation|software|toolkit|library|scripts?)\b", re.IGNORECASE
    ),
    "data": re.compile(
        r"\b(?:data|dataset|datasets|corpus|corpora|annotations?|benchmark|treebank)\b",
        re.IGNORECASE,
    ),
    "models": re.compile(
        r"\b(?:models?|checkpoints?|weights|embeddings|pre-?trained)\b", re.IGNORECASE
    ),
}


def code_repositories(links: list[str]) -> list[str]:
    """`host/owner/repo` of every link to a code host, lower-cased host, without `.git`."""
    repositories = []
    for link in links:
        match = _REPOSITORY.match(link)
        if match:
            host, owner, repo = match.groups()
            repository = f"{host.lower()}/{owner}/{repo.removesuffix('.git')}"
            if repository not in repositories:
                repositories.append(repository)
    return repositories


def releases(text: str, repositories: list[str]) -> dict[str, bool]:
    """Whether the text says code, data or models are (or will be) released.

    A sentence counts when it has a release word (`release`, `available`, `open-source`,
    `make ... public`, `can be found`) and names the artifact; a link to a code
    repository (see `code_repositories`) counts as releasing code.
    """
    found = dict.fromkeys(RELEASED, False)
    for sentence in _SENTENCE.split(text) if _RELEASE.search(text) else ():
        if _RELEASE.search(sentence):
            for artifact, pattern in RELEASED.items():
                found[artifact] |= pattern.search(sentence) is not None
    found["code"] |= bool(repositories)
    return found
