"""Read and check params.yaml, the one home of every knob."""

import re
from pathlib import Path

import yaml

from pipeline.core.dedup import DedupParams
from pipeline.core.segment import Rules
from pipeline.engine import ENGINES, Engine
from pipeline.errors import UserError
from schemas.occurrences import FIELDS


class ConfigError(UserError, ValueError):
    """params.yaml is missing, malformed, or holds a bad value."""


class Params:
    """The checked contents of a params file; every accessor names the bad key."""

    def __init__(self, path: Path):
        self.path = path
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file; run from the project's top folder") from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else f"{path}"
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ConfigError(f"{where}: not valid YAML: {problem}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a mapping of sections")
        self.values = values

    def section(self, name: str) -> dict:
        value = self.values.get(name)
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: section `{name}:` is missing or not a mapping")
        return value

    def number(self, where: dict, key: str, kind: type, low: float, high: float, name: str):
        value = where.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or not low <= value <= high:
            got = f"got {value!r}" if key in where else "it is missing"
            article = "an" if kind.__name__[0] in "aeiou" else "a"
            raise ConfigError(
                f"{self.path}: {name}{key}: expected {article} {kind.__name__} in "
                f"[{low}, {high}], {got}"
            )
        return value

    @property
    def workers(self) -> int:
        return self.number(self.values, "workers", int, 0, 1024, "")

    def engine(self, name: str | None = None, address: str | None = None) -> Engine:
        """Where the stages run: the `engine:` section (local if there is none), with `name`
        and `address` (if given) in place of its values."""
        values = self.section("engine") if "engine" in self.values else vars(Engine())
        name, address = name or values.get("name"), address or values.get("address", "auto")
        if name not in ENGINES:
            raise ConfigError(
                f"{self.path}: engine.name: expected one of {', '.join(ENGINES)}, got {name!r}"
            )
        if not isinstance(address, str) or not address:
            raise ConfigError(f"{self.path}: engine.address: expected a cluster's address")
        return Engine(name, address)

    def patterns(self, where: dict, key: str, name: str) -> tuple[str, ...]:
        """A list of regular expressions, each checked to compile."""
        value = where.get(key)
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise ConfigError(f"{self.path}: {name}{key}: expected a list of regexes")
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(
                    f"{self.path}: {name}{key}: bad pattern {pattern!r}: {error}"
                ) from None
        return tuple(value)

    def parse(self) -> tuple[Rules, float]:
        """The parse stage's rules and control-byte ratio."""
        values, name = self.section("parse"), "parse."
        chrome = self.patterns(values, "page_chrome", name)
        words = self.number(values, "max_fragment_words", int, 0, 1000, name)
        ratio = self.number(values, "max_control_ratio", float, 0.0, 1.0, name)
        placeholders = self.patterns(values, "placeholders", name)
        fields = values.get("fields")
        if not isinstance(fields, dict) or not set(fields) <= set(FIELDS):
            raise ConfigError(
                f"{self.path}: {name}fields: a mapping of columns ({', '.join(FIELDS)}) to labels"
            )
        labels = tuple((c, self.patterns(fields, c, f"{name}fields.")) for c in sorted(fields))
        rules = Rules(chrome, placeholders, words, labels)
        return rules, ratio

    def chunk_bytes(self) -> int:
        """How many bytes of a big raw file a parse worker takes at a time, at least."""
        return self.number(self.section("parse"), "chunk_bytes", int, 1024, 2**40, "parse.")

    def batch_rows(self) -> int:
        return self.number(self.section("normalize"), "batch_rows", int, 1, 10**7, "normalize.")

    def dedup(self) -> DedupParams:
        values, name = self.section("dedup"), "dedup."
        params = DedupParams(
            shingle_words=self.number(values, "shingle_words", int, 1, 20, name),
            num_perm=self.number(values, "num_perm", int, 8, 1024, name),
            bands=self.number(values, "bands", int, 1, 1024, name),
            near_threshold=self.number(values, "near_threshold", float, 0.0, 1.0, name),
            truncated_min_words=self.number(values, "truncated_min_words", int, 1, 1000, name),
            seed=self.number(values, "seed", int, 0, 2**32 - 1, name),
        )
        if params.num_perm % params.bands:
            raise ConfigError(f"{self.path}: dedup.bands must divide dedup.num_perm")
        return params

    def lengths(self) -> tuple[int, int]:
        """(min_words, max_words) of the length flags."""
        values, name = self.section("abstracts"), "abstracts."
        low = self.number(values, "min_words", int, 0, 10**6, name)
        return low, self.number(values, "max_words", int, low, 10**6, name)

    def publish(self) -> dict:
        """The publish section: card metadata, version and shard sizes, checked."""
        values, name = self.section("publish"), "publish."
        version = values.get("version")
        if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise ConfigError(
                f"{self.path}: publish.version: expected MAJOR.MINOR.PATCH, got {version!r}"
            )
        date = values.get("date_published")
        if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise ConfigError(
                f"{self.path}: publish.date_published: expected YYYY-MM-DD, got {date!r}"
            )
        for key in ("pretty_name", "license", "url"):
            if not isinstance(values.get(key), str):
                raise ConfigError(f"{self.path}: publish.{key}: expected a string")
        for key in ("language", "task_categories"):
            if not isinstance(values.get(key), list):
                raise ConfigError(f"{self.path}: publish.{key}: expected a list")
        self.number(values, "shard_max_bytes", int, 1, 2**40, name)
        self.number(values, "row_group_rows", int, 1, 10**8, name)
        self.number(values, "shard_parts", int, 1, 10**6, name)
        return values

    def check(self) -> None:
        """Check every value, naming the first bad one."""
        sections = (self.parse, self.chunk_bytes, self.batch_rows, self.dedup, self.lengths)
        for read in (*sections, self.publish, self.report_rows, self.engine, lambda: self.workers):
            read()

    def report_rows(self) -> int:
        """How many abstracts the HTML report's searchable table holds."""
        return self.number(self.section("report"), "table_rows", int, 0, 10**8, "report.")
