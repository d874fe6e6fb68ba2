"""`links`: the dedup stage's decisions, one row per normalized occurrence, in part order.

Publish joins them to the normalized parts to make the `abstracts` and `occurrences`
tables, checking on every row that both hold the same occurrence (its key: `source`,
`byte_start`); they are an interim table, never published.
"""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.abstracts import Grouped
from schemas.fields import KEY, SpanKey
from schemas.occurrences import Linked


class Links(Grouped, Linked, SpanKey):
    """An occurrence's key (`source`, `byte_start`: publish checks it against the normalized
    part's), its abstract, how it matched, whether it is the abstract's canonical copy (the
    one whose text the abstract holds), and the abstract's derived columns."""

    is_canonical: Series[bool] = pa.Field(
        description="this occurrence is its abstract's canonical copy"
    )

    class Config:
        name = "links"
        strict = True
        coerce = False
        unique = list(KEY)
