"""Check any copy of a release: checksums, schemas on every row, the contract's invariants."""

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import yaml
from datasets import Features

from pipeline.release import checksums
from pipeline.release.layout import CONFIGS, published_schema
from pipeline.release.reader import ReleaseError, read_config
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
    tables, problems = {}, []
    for config, model in CONFIGS.items():
        try:
            table = tables[config] = read_config(folder, config)
        except ReleaseError as error:
            table = tables[config] = None
            problems.append(str(error))
            continue
        if table is None:
            problems.append(f"{config}: no Parquet file")
            continue
        schema = published_schema(config, version)
        if table.schema != schema or table.schema.metadata != schema.metadata:
            problems.append(f"{config}: Arrow schema or version metadata differs from {version}")
        try:
            validate(model, table.cast(schema))
        except (TableError, pa.ArrowInvalid) as error:
            problems.append(f"{config}: {error}")
        info = infos.get(config, {})
        counted = sum(s["num_examples"] for s in info.get("splits", []))
        if counted != table.num_rows:
            problems.append(
                f"{config}: the card says {counted} rows, the files hold {table.num_rows}"
            )
        if info.get("features") != Features.from_arrow_schema(schema)._to_yaml_list():
            problems.append(f"{config}: the card's features differ from the schema")
    if croissant.get("version") != version:
        problems.append(
            f"croissant.json says version {croissant.get('version')}, the card {version}"
        )
    yield "schemas and card", problems
    if any(t is None for t in tables.values()):
        return
    yield "invariants", list(_invariants(tables["default"], tables["occurrences"]))


def _invariants(abstracts: pa.Table, occurrences: pa.Table) -> Iterator[str]:
    """Every occurrence points at an abstract, whose n_occurrences counts them."""
    counts = Counter(occurrences.column("abstract_id").to_pylist())
    declared = dict(
        zip(
            abstracts.column("id").to_pylist(),
            abstracts.column("n_occurrences").to_pylist(),
            strict=True,
        )
    )
    for abstract_id in sorted(set(counts) - set(declared))[:10]:
        yield f"occurrences point at {abstract_id}, which is no abstract"
    wrong = sorted(i for i, n in declared.items() if counts.get(i, 0) != n)
    for abstract_id in wrong[:10]:
        yield (
            f"abstract {abstract_id}: n_occurrences {declared[abstract_id]}, "
            f"but {counts.get(abstract_id, 0)} occurrences"
        )
