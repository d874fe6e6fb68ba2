"""Registered dataframe checks, so that they serialize with the schemas.

`pandera.extensions.register_check_method` would register them too, but it imports pandera's
data-synthesis strategies first, whether a check has a strategy or not, and so `hypothesis`
(installed for the tests): a quarter of a second at the start of everything that imports
the schemas. Only validating rows needs them (pandera's pandas backend imports them: see
`schemas.derive.load_validation`). `register` below registers a check the same way, as a
`Check` method whose checks carry their statistics (`register_check_statistics`), without
the strategies: these checks have none.
"""

from functools import partial

from pandera.api.checks import Check
from pandera.extensions import register_check_statistics


def register(*statistics: str):
    """Register a vectorized dataframe check function as the `Check` method of its name,
    whose keyword-only arguments `statistics` serialize with the schema; as
    `register_check_method(statistics=...)` does, its error names the statistics given."""

    def registered(fn):
        name = fn.__name__
        if hasattr(Check, name):
            raise ValueError(f"a Check method named {name!r} exists already")

        @register_check_statistics(list(statistics))
        def method(cls, *args, **kwargs):
            if len(args) > len(statistics):
                raise TypeError(f"{name} takes at most the statistics {statistics} by position")
            stats, options = dict(zip(statistics, args, strict=False)), {}
            for key, value in kwargs.items():
                (stats if key in statistics else options)[key] = value
            if stats:
                shown = ", ".join(f"{key}={value}" for key, value in stats.items())
                options.setdefault("error", f"{name}({shown})")
            return cls(partial(fn, **stats), name=name, **options)

        Check.REGISTERED_CUSTOM_CHECKS[name] = partial(method, Check)
        return fn

    return registered


@register()
def span_ordered(df):
    """Every span is non-empty and its lines are in order."""
    return (df["byte_start"] < df["byte_end"]) & (df["line_start"] <= df["line_end"])


@register("column", "key", "values")
def null_exactly_where(df, *, column: str, key: str, values: list[str]):
    """`column` is null exactly in the rows where `key` is one of `values`."""
    return df[column].isna() == df[key].isin(values)
