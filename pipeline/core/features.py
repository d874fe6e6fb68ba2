"""Everything derived from one occurrence's raw text, row by row."""

from pipeline.core import enrich, urls
from pipeline.core.dedup import dedup_key
from pipeline.core.defects import defects
from pipeline.core.flags import has_lost_characters, has_math, is_truncated
from pipeline.core.normalize import normalize


def links(text: str) -> dict:
    """The URLs of a clean text and its code repositories."""
    found = urls.find(text)
    return {"urls": found, "code_repositories": enrich.code_repositories(found)}


def releases(text: str, repositories: list[str] = ()) -> dict:
    """What a clean text (with links to these code repositories) says it releases."""
    said = enrich.releases(text, repositories)
    return {f"releases_{kind}": released for kind, released in said.items()}


def enrichment(text: str) -> dict:
    """The URLs of a clean text, its code repositories and what it says it releases."""
    linked = links(text)
    return linked | releases(text, linked["code_repositories"])


def cleaned(text_raw: str) -> dict:
    """The clean text of a raw span, its flags, defects and counts."""
    text = normalize(text_raw)
    return {
        "text": text,
        "is_truncated": is_truncated(text),
        "has_lost_characters": has_lost_characters(text),
        "has_math": has_math(text_raw),
        "defects": defects(text),
        "n_words": len(text.split()),
        "n_chars": len(text),
    }


def features(text_raw: str) -> dict:
    """The clean text of a raw span, its flags, defects, counts, enrichment and dedup key."""
    found = cleaned(text_raw)
    return found | enrichment(found["text"]) | {"key": dedup_key(found["text"])}
