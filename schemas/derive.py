"""What is derived from the Pandera models: Arrow schemas, validation, the JSON export."""

import functools
import json

import pandas as pd
import pandera.errors
import pandera.pandas as pa
import pyarrow

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
    """Check every row of `table` against `model`; TableError names the failing rows."""
    if table.schema != arrow_schema(model):
        raise TableError(f"{model.Config.name}: schema {table.schema} is not {arrow_schema(model)}")
    frame = table.to_pandas(types_mapper=_pandas_type)
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases.drop_duplicates(["index", "check"])
        lines = [f"{model.Config.name}: {len(cases)} failed checks"]
        for case in cases.head(limit).itertuples():
            where, what = "table", case.check
            if case.index == case.index and case.index is not None:
                row = frame.loc[case.index]
                where = (
                    f"{row['source']}:{row['line_start']}"
                    if "source" in row
                    else f"row {case.index}"
                )
            if case.schema_context == "Column":
                what = f"{case.check} on {case.column} = {case.failure_case!r}"
            lines.append(f"  {where}: {what}")
        raise TableError("\n".join(lines)) from None


def load_validation() -> None:
    """Load what `validate` needs now rather than at its first call: pandera's pandas backend,
    which imports pandera's data-synthesis strategies, and so `hypothesis` where it is
    installed (a quarter of a second). Worker processes forked after it share it."""
    pa.DataFrameSchema().validate(pd.DataFrame())


def export(model: type[pa.DataFrameModel]) -> str:
    """The model as language-neutral JSON: columns, types, checks and descriptions."""
    return json.dumps(json.loads(model.to_schema().to_json()), indent=2, sort_keys=True) + "\n"
