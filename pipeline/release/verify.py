"""Check any copy of a release: checksums, schemas on every row, the contract's invariants."""

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from pipeline.release import checksums
from pipeline.release.layout import CONFIGS, LEGACY_VERSION, published_schema
from pipeline.release.reader import ReleaseError, config_tables, read_config, shards
from schemas.derive import TableError, validate


def card_header(folder: Path) -> dict:
    """The YAML front matter of the release's README.md."""
    text = (folder / "README.md").read_text(encoding="utf-8")
    try:
        header = yaml.safe_load(text.split("---\n", 2)[1]) if text.startswith("---\n") else None
    except yaml.YAMLError as error:
        raise ReleaseError(f"README.md: its YAML front matter is not valid: {error}") from None
    if not isinstance(header, dict):
        raise ReleaseError("README.md: no YAML front matter (configs, dataset_info)")
    return header


def checks(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """(check, problems) for every check; no problems means it passed."""
    missing = [
        n for n in ("README.md", "croissant.json", checksums.MANIFEST) if not (folder / n).is_file()
    ]
    scripts = [p.name for p in folder.rglob("*.py")]
    yield "files", [f"{n}: missing" for n in missing] + [f"{n}: a Python file" for n in scripts]
    if missing:
        return
    yield "checksums", checksums.check(folder)
    try:
        croissant = json.loads((folder / "croissant.json").read_text(encoding="utf-8"))
        header = card_header(folder)
    except (ReleaseError, json.JSONDecodeError) as error:
        yield "metadata", [f"{error}"]
        return
    listed = {d["contentUrl"]: d["sha256"] for d in croissant["distribution"] if "sha256" in d}
    parquet = {p.relative_to(folder).as_posix() for p in folder.glob("data/*/*.parquet")}
    yield (
        "croissant",
        [f"{n}: not described in croissant.json" for n in sorted(parquet - set(listed))]
        + [
            f"{n}: SHA-256 differs from croissant.json"
            for n, digest in sorted(listed.items())
            if n in parquet and checksums.sha256(folder / n) != digest
        ]
        + [f"{n}: in croissant.json but missing" for n in sorted(set(listed) - parquet)],
    )

    version = str(header.get("version"))
    infos = {info["config_name"]: info for info in header.get("dataset_info", [])}
    problems, readable = [], True
    for config, model in CONFIGS.items():
        found, read = _config_problems(folder, config, model, version, infos.get(config, {}))
        problems, readable = problems + found, readable and read
    if croissant.get("version") != version:
        problems.append(
            f"croissant.json says version {croissant.get('version')}, the card {version}"
        )
    yield "schemas and card", problems
    if readable:
        yield "invariants", list(_invariants(folder))


def _config_problems(
    folder: Path, config: str, model, version: str, info: dict
) -> tuple[list[str], bool]:
    """What is wrong with one config, read a shard at a time: its schema and version, its
    rows against `model`, its row count and features against the card's `info`; and
    whether it could be read."""
    from datasets import Features  # slow to import: only once there is a config to check

    if not shards(folder, config):
        return [f"{config}: no Parquet file"], False
    schema, rows, problems = published_schema(config), 0, []
    try:
        for shard, table in zip(shards(folder, config), config_tables(folder, config), strict=True):
            rows += table.num_rows
            metadata = dict(table.schema.metadata or {})
            # Releases up to 1.1.0 name their version in each file too: the card's.
            named = metadata.pop(LEGACY_VERSION, version.encode()).decode()
            if table.schema != schema or metadata != schema.metadata or named != version:
                problems.append(f"{config}: Arrow schema or metadata differs from {version}'s")
            try:
                validate(model, table.cast(schema))
            except (TableError, pa.ArrowInvalid) as error:  # rows are counted in the shard
                problems.append(f"{config}, {shard.name}: {error}")
    except ReleaseError as error:
        return [str(error)], False
    counted = sum(s["num_examples"] for s in info.get("splits", []))
    if counted != rows:
        problems.append(f"{config}: the card says {counted} rows, the files hold {rows}")
    if info.get("features") != Features.from_arrow_schema(schema)._to_yaml_list():
        problems.append(f"{config}: the card's features differ from the schema")
    return list(dict.fromkeys(problems)), True


def _invariants(folder: Path) -> Iterator[str]:
    """Every occurrence points at an abstract, whose n_occurrences counts them (only the
    id columns are read)."""
    declared = read_config(folder, "default", ["id", "n_occurrences"])
    counts = pc.value_counts(read_config(folder, "occurrences", ["abstract_id"])["abstract_id"])
    counted = pa.table({"id": counts.field("values"), "counted": counts.field("counts")})
    joined = declared.join(counted, "id", join_type="full outer").sort_by("id")
    at = joined.schema.get_field_index("counted")
    joined = joined.set_column(at, "counted", pc.fill_null(joined["counted"], 0))
    orphans = joined.filter(pc.is_null(joined["n_occurrences"]))
    for abstract_id in orphans["id"][:10].to_pylist():
        yield f"occurrences point at {abstract_id}, which is no abstract"
    # An orphan's null n_occurrences compares to null, and drops out.
    wrong = joined.filter(pc.not_equal(joined["n_occurrences"], joined["counted"]))
    for row in wrong.slice(0, 10).to_pylist():
        yield (
            f"abstract {row['id']}: n_occurrences {row['n_occurrences']}, "
            f"but {row['counted']} occurrences"
        )
