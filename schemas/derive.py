"""What is derived from the Pandera models: Arrow schemas, validation, the JSON export."""

import functools
import json

import numpy as np
import pandas as pd
import pandera.errors
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pandera.config import ValidationDepth, config_context

from pipeline.errors import UserError

_ARROW_TYPES = {
    "str": pyarrow.string(),
    "int64": pyarrow.int64(),
    "uint64": pyarrow.uint64(),
    "bool": pyarrow.bool_(),
}


class TableError(UserError, ValueError):
    """Rows that break their table's schema."""


def _arrow_type(dtype) -> pyarrow.DataType:
    arrow = getattr(getattr(dtype, "type", None), "pyarrow_dtype", None)
    if arrow is not None:
        return arrow
    return _ARROW_TYPES["str" if str(dtype).startswith("str") else str(dtype)]


def _pandas_type(arrow: pyarrow.DataType):
    nested = pyarrow.types.is_list(arrow) or pyarrow.types.is_fixed_size_binary(arrow)
    return pd.ArrowDtype(arrow) if nested else None


@functools.cache
def arrow_schema(model: type[pa.DataFrameModel]) -> pyarrow.Schema:
    """The Arrow schema of a model: its columns, types, nullability and descriptions."""
    return pyarrow.schema(
        pyarrow.field(
            name,
            _arrow_type(column.dtype),
            nullable=column.nullable,
            metadata={"description": column.description or ""},
        )
        for name, column in model.to_schema().columns.items()
    )


def validate(model: type[pa.DataFrameModel], table: pyarrow.Table, limit: int = 10) -> None:
    """Check every row of `table` against `model`; TableError names the failing rows.

    The Arrow schema is compared whole (names, order, types, nullability), and nulls are
    counted in Arrow, so Pandera runs at data depth: every value check on every row, without
    its per-column dtype checks, which the schema already makes (a fixed ~10 ms a table)."""
    if table.schema != arrow_schema(model):
        raise TableError(f"{model.Config.name}: schema {table.schema} is not {arrow_schema(model)}")
    if not table.num_rows:  # no row to check: spare Pandera's fixed cost (a raw file's rejects)
        return
    frame = table.to_pandas(types_mapper=_pandas_type)
    cases = [
        (int(row), "not_nullable", field.name, None)
        for field in table.schema
        if not field.nullable and table.column(field.name).null_count
        for row in np.flatnonzero(pc.is_null(table.column(field.name)).to_numpy(False))[:limit]
    ]
    try:
        with config_context(validation_depth=ValidationDepth.DATA_ONLY):
            model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        found = errors.failure_cases.drop_duplicates(["index", "check"])
        cases += [
            (case.index, case.check, case.column, case.failure_case)
            if case.schema_context == "Column"
            else (case.index, case.check, None, None)
            for case in found.itertuples()
        ]
    if cases:
        lines = [f"{model.Config.name}: {len(cases)} failed checks"]
        for index, check, column, value in cases[:limit]:
            where = "table"
            if index == index and index is not None:  # not NaN
                row = frame.loc[index]
                where = (
                    f"{row['source']}:{row['line_start']}" if "source" in row else f"row {index}"
                )
            what = check if column is None else f"{check} on {column} = {value!r}"
            lines.append(f"  {where}: {what}")
        raise TableError("\n".join(lines))


def load_validation() -> None:
    """Load what `validate` needs now rather than at its first call: pandera's pandas backend,
    which imports pandera's data-synthesis strategies, and so `hypothesis` where it is
    installed and importable (not in the `abstracts` command: `pipeline.cli.run`). Worker
    processes forked after it share it."""
    pa.DataFrameSchema().validate(pd.DataFrame())


def export(model: type[pa.DataFrameModel]) -> str:
    """The model as language-neutral JSON: columns, types, checks and descriptions."""
    return json.dumps(json.loads(model.to_schema().to_json()), indent=2, sort_keys=True) + "\n"
