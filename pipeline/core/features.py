"""Everything derived from one occurrence's raw text, row by row."""

from pipeline.core import enrich, urls
from pipeline.core.dedup import dedup_key
from pipeline.core.defects import defects
from pipeline.core.flags import has_lost_characters, has_math, is_truncated
from pipeline.core.normalize import normalize


def enrichment(text: str) -> dict:
    """The URLs of a clean text, its code repositories and what it says it releases."""
    links = urls.find(text)
    repositories = enrich.code_repositories(links)
    said = enrich.releases(text, repositories)
    return {
        "urls": links,
        "code_repositories": repositories,
        **{f"releases_{kind}": released for kind, released in said.items()},
    }


def features(text_raw: str) -> dict:
    """The clean text of a raw span, its flags, defects, enrichment and dedup key."""
    text = normalize(text_raw)
    return {
        "text": text,
        "is_truncated": is_truncated(text),
        "has_lost_characters": has_lost_characters(text),
        "has_math": has_math(text_raw),
        "defects": defects(text),
        "n_words": len(text.split()),
        "n_chars": len(text),
        **enrichment(text),
        "key": dedup_key(text),
    }
