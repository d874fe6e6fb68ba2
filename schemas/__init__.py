"""Pandera models: the one source of truth for every table the pipeline writes."""

from schemas.abstracts import FLAGS, Abstracts
from schemas.links import Links
from schemas.normalized import NormalizedOccurrences
from schemas.occurrences import MATCH_KINDS, Occurrences, ParsedOccurrences
from schemas.rejects import REJECT_REASONS, Rejects

TABLES = {
    model.Config.name: model
    for model in (ParsedOccurrences, Rejects, NormalizedOccurrences, Links, Abstracts, Occurrences)
}

__all__ = [
    "FLAGS",
    "MATCH_KINDS",
    "REJECT_REASONS",
    "TABLES",
    "Abstracts",
    "Links",
    "NormalizedOccurrences",
    "Occurrences",
    "ParsedOccurrences",
    "Rejects",
]
