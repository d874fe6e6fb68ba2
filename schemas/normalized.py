"""`normalized_occurrences`: a parsed occurrence with its clean text and features."""

from typing import Annotated

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

from schemas.abstracts import ID_PATTERN
from schemas.features import TextFeatures
from schemas.occurrences import Record

DIGEST = Annotated[pd.ArrowDtype, pyarrow.binary(16)]


class NormalizedOccurrences(TextFeatures, Record):
    """A parsed occurrence with its clean text, flags, enrichment and its dedup key's
    digests and bands."""

    defects: Series[int] = pa.Field(
        ge=0,
        le=7,
        description="the kinds of defect found in `text`, a bitmask: 1 TeX debris (a command "
        "left outside a verbatim formula), 2 ALL CAPS, 4 a hyphenation artefact "
        "(`impor- tant`); dedup prefers the copies with fewer",
    )
    raw_hash: Series[np.uint64] = pa.Field(
        description="the 64-bit BLAKE2b of `text_raw`: the registry of published ids "
        "(registry/ids.tsv) knows the occurrence by it"
    )
    key_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN,
        description="the stable id of the text's dedup key (the text with case, "
        "punctuation and spacing folded; its 64-bit BLAKE2b, in hex; dedup makes the key "
        "again from `text` where it reads it): an abstract's `id` "
        "is its canonical copy's, unless it was published under another (registry/ids.tsv)",
    )
    key_hash: Series[DIGEST] = pa.Field(
        description="the key's 128-bit BLAKE2b digest: dedup groups exact duplicates by it"
    )
    text_hash: Series[DIGEST] = pa.Field(
        description="the text's 128-bit BLAKE2b digest: dedup reads only texts that differ"
    )
    key_head: Series[np.uint64] = pa.Field(
        description="a hash of the key's first `dedup.truncated_min_words` - 1 words, 0 when "
        "it has fewer than `dedup.truncated_min_words`: a key shares it with every key "
        "it is a prefix of"
    )
    lsh: Series[Annotated[pd.ArrowDtype, pyarrow.list_(pyarrow.uint64())]] = pa.Field(
        description="the key's MinHash LSH band hashes (`dedup.bands` of them): keys that "
        "share one are near-duplicate candidates"
    )

    class Config:
        name = "normalized_occurrences"
