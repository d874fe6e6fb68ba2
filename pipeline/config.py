"""Read and check params.yaml, the one home of every knob."""

import re
from pathlib import Path

import yaml

from pipeline.core.segment import Rules


class ConfigError(ValueError):
    """params.yaml is missing, malformed, or holds a bad value."""


def load(path: Path) -> dict:
    """The parsed params file, or a ConfigError saying what is wrong with it."""
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; run from the project's top folder") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(params, dict):
        raise ConfigError(f"{path}: expected a mapping of sections, found {type(params).__name__}")
    return params


def section(params: dict, name: str, path: Path) -> dict:
    """One section of the params, which must be a mapping."""
    value = params.get(name)
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: section `{name}:` is missing or not a mapping")
    return value


def _number(values: dict, key: str, kind: type, low: float, high: float, where: str):
    value = values.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{where}.{key}: expected a {kind.__name__} in [{low}, {high}], got {value!r}")
    return value


def parse_settings(params: dict, path: Path) -> tuple[Rules, float, int]:
    """The parse stage's rules, control-byte ratio and worker count."""
    values = section(params, "parse", path)
    where = f"{path}: parse"
    chrome = values.get("page_chrome")
    if not isinstance(chrome, list) or not all(isinstance(p, str) for p in chrome):
        raise ConfigError(f"{where}.page_chrome: expected a list of regular expressions")
    for pattern in chrome:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"{where}.page_chrome: bad pattern {pattern!r}: {error}") from None
    rules = Rules(
        page_chrome=tuple(chrome),
        max_fragment_words=_number(values, "max_fragment_words", int, 0, 1000, where),
    )
    ratio = _number(values, "max_control_ratio", float, 0.0, 1.0, where)
    workers = _number(values, "workers", int, 0, 1024, where)
    return rules, ratio, workers
