"""Pandera models: the one source of truth for every table the pipeline writes."""

from schemas.occurrences import Occurrences
from schemas.rejects import REJECT_REASONS, Rejects

TABLES = {"occurrences": Occurrences, "rejects": Rejects}

__all__ = ["REJECT_REASONS", "TABLES", "Occurrences", "Rejects"]
