"""Registered dataframe checks, so that they serialize with the schemas."""

from pandera.extensions import register_check_method


@register_check_method(statistics=[], supported_types=[])
def span_ordered(df):
    """Every span is non-empty and its lines are in order."""
    return (df["byte_start"] < df["byte_end"]) & (df["line_start"] <= df["line_end"])


@register_check_method(statistics=["column", "key", "values"], supported_types=[])
def null_exactly_where(df, *, column: str, key: str, values: list[str]):
    """`column` is null exactly in the rows where `key` is one of `values`."""
    return df[column].isna() == df[key].isin(values)
