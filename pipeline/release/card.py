"""The dataset card, README.md: YAML front matter for `datasets`, and the user's manual."""

import pyarrow as pa
import yaml

from pipeline.release.layout import CONFIGS, SPLIT, features, pattern
from schemas import MATCH_KINDS, REJECT_REASONS


def size_category(n: int) -> str:
    """The Hub's size category of a dataset of `n` rows."""
    bounds = [
        (10**3, "n<1K"),
        (10**4, "1K<n<10K"),
        (10**5, "10K<n<100K"),
        (10**6, "100K<n<1M"),
        (10**7, "1M<n<10M"),
        (10**8, "10M<n<100M"),
    ]
    return next((label for bound, label in bounds if n < bound), "n>100M")


def front_matter(
    meta: dict,
    schemas: dict[str, pa.Schema],
    rows: dict[str, int],
    sizes: dict[str, tuple[int, int]],
) -> str:
    """The YAML header: configs, dataset_info (features and split sizes) and metadata.

    `sizes` maps a config to (bytes of data, bytes of its files). The YAML is what
    `datasets` writes (`DatasetInfosDict.to_dataset_card_data` into huggingface_hub's
    `DatasetCardData`, which tests/test_card.py checks it against), made without
    importing them: they take longer to import than the publish stage to start."""
    card = {
        "language": meta["language"],
        "license": meta["license"],
        "size_categories": [size_category(rows["default"])],
        "task_categories": meta["task_categories"],
        "pretty_name": meta["pretty_name"],
        "version": meta["version"],
        "configs": [
            {
                "config_name": config,
                "data_files": [{"split": SPLIT, "path": pattern(config)}],
                **({"default": True} if config == "default" else {}),
            }
            for config in CONFIGS
        ],
        "dataset_info": [
            {
                "config_name": config,
                "features": [_feature(name, f) for name, f in features(schemas[config]).items()],
                "splits": [
                    {"name": SPLIT, "num_bytes": sizes[config][0], "num_examples": rows[config]}
                ],
                "download_size": sizes[config][1],
                "dataset_size": sizes[config][0],
            }
            for config in CONFIGS
        ],
    }
    text = yaml.dump(card, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{text}\n---\n"


def _feature(name: str, feature: dict) -> dict:
    """A feature as the card's YAML lists it (`dtype: string`, or `list: string`)."""
    if feature["_type"] == "List":
        return {"name": name, "list": feature["feature"]["dtype"]}
    return {"name": name, "dtype": feature["dtype"]}


def _fields(schema: pa.Schema) -> str:
    rows = "".join(
        f"| `{f.name}` | {f.type} | {f.metadata[b'description'].decode()} |\n" for f in schema
    )
    return "| column | type | meaning |\n|---|---|---|\n" + rows


def _codes(codes: dict[str, str]) -> str:
    return "".join(f"- `{code}`: {meaning}\n" for code, meaning in codes.items())


def _counts(counts: dict) -> str:
    return "".join(f"| {name} | {value:,} |\n" for name, value in counts.items())


def body(
    meta: dict, schemas: dict[str, pa.Schema], rows: dict[str, int], stats: dict, changelog: str
) -> str:
    """The card's prose: how to load, fields, how it was built, statistics, limits."""
    name, version = meta["pretty_name"], meta["version"]
    empty = [config for config in CONFIGS if rows[config] == 0]
    empty_note = (
        f"\nThis release has no rows in {', '.join(f'`{c}`' for c in empty)}. Such a config is "
        "still declared with its features; `datasets` refuses to load an empty split without "
        'streaming (`ValueError: Instruction "train" corresponds to no data!`), so stream '
        "it: "
        "`load_dataset(path, config, streaming=True)` yields no rows.\n"
        if empty
        else ""
    )
    flags = stats["flags"]
    history = changelog.split("\n", 1)[1].strip().replace("\n## ", "\n### ")  # untitled
    return f"""
# {name}

Abstracts of research papers, parsed from raw text dumps of publication pages, repaired,
normalized and deduplicated: one clean row per abstract, every copy found in the dumps, and
every span of the dumps that is not an abstract, with the reason why. Version **{version}**.

## How to load

```python
from datasets import load_dataset

abstracts = load_dataset("path/to/abstracts")                  # one row per abstract
occurrences = load_dataset("path/to/abstracts", "occurrences")  # every copy in the dumps
rejects = load_dataset("path/to/abstracts", "rejects")          # what is not an abstract
stream = load_dataset("path/to/abstracts", streaming=True)      # without downloading all
```

Each config has one split, `{SPLIT}`. A given version is a git tag of the project; fetch it
with DVC and load the folder:

```bash
dvc get <project-git-url> dist/abstracts --rev v{version} -o abstracts-{version}
```

Check a copy with `abstracts verify abstracts-{version}` (checksums, schemas, invariants).
{empty_note}
## Configs and fields

### `default`: one row per abstract

{_fields(schemas["default"])}
### `occurrences`: one row per abstract found in a raw file

{_fields(schemas["occurrences"])}
How an occurrence matched its abstract (`match`):

{_codes(MATCH_KINDS)}
### `rejects`: one row per raw span that is not an abstract

{_fields(schemas["rejects"])}
Reject reasons (`reason`):

{_codes(REJECT_REASONS)}
The spans of `occurrences` and `rejects` together cover every non-whitespace byte of every
raw file exactly once (a leading UTF-8 byte-order mark aside): nothing is lost.

## How it was built

1. **Parse.** A record starts at a line whose first non-blank characters are `Abstract`
   (any case) and a colon, or that holds only the word `Abstract`; it runs to the next
   marker. Its paragraphs stay one abstract; labelled lines (`Title:`, `Authors:`,
   `Keywords:`, `DOI:`, `URL:`, `arXiv:`) are `field` rejects whose values are columns of
   `occurrences` (and the canonical copy's `title` a column of `default`); page furniture
   after the first paragraph and a trailing lone name are rejects. Text before the first
   marker is a reject, and so is a record that only says it has no abstract (`No abstract
   available`, `N/A`). Spans that are not valid UTF-8 are decoded as cp1252 (`encoding`
   says which); a file with a UTF-16 or UTF-32 byte-order mark is decoded as it says, its
   offsets the file's own. LF, CRLF and a lone CR
   all end lines. A compressed raw file (gzip, bz2, xz, zstd) is read as the bytes it
   holds: its occurrences' and rejects' byte offsets and lines are into those decompressed
   bytes.
2. **Normalize.** HTML entities decoded, mojibake repaired, zero-width and control
   characters removed, exotic spaces made plain, URLs left intact. LaTeX is faithful or
   verbatim: a formula (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`, math environments) is
   rendered as Unicode only where every piece has a faithful rendering (`$100\\times$` →
   `100×`, `$n\\log n$` → `n log n`, `$n^{{c_1}}$` → `n^{{c₁}}`), otherwise kept exactly as
   written with its delimiters; text-mode markup (`\\emph{{x}}`, `{{\\em x}}`,
   `\\href{{url}}{{text}}`, accents, `--`, ``` ``x'' ```) is rendered, an unknown command kept
   as written. Hard-wrapped lines are joined (paragraphs separated by one newline); a
   hyphen at a line end is joined only where the halves make a word (`distri-⏎bution`), kept
   in compounds, and kept with a blank when suspended (`high- and low-resource`). NFC.
3. **Flag and enrich** (flag, never drop), on evidence: `is_truncated` (the text ends in
   an ellipsis, a comma or an open bracket, a function word, or a word cut short, judged
   with wordfreq: `publicly avail`; a URL, a keyword list or a missing final period is no
   cut), `has_lost_characters` (`Googles ByT5`, `doesnt`, `Stein?s`, U+FFFD),
   `has_math`, `is_too_short` / `is_too_long` (word bounds in the project's params),
   `is_legacy_decoded`; word and character counts, URLs, code repositories, and whether the
   text says code, data or models are released.
4. **Deduplicate.** Texts are compared by a key with case, punctuation and spacing folded
   (exact duplicates); near duplicates by MinHash LSH over word 3-shingles with every
   candidate pair verified by its true Jaccard similarity; a text whose key is a prefix
   of another's (at least 10 words) is a truncated copy. The canonical text of a group is
   its best copy: complete over truncated, then the fewest defects (TeX debris, ALL CAPS,
   hyphenation artefacts, lost characters, legacy decoding), then longer over shorter, then
   the text itself, so it never depends on file names.
5. **Identify.** A new abstract's `id` is a hash of its canonical text's key: the same in
   every build, whatever the raw files are called or their order. Once published, an
   abstract keeps its id in every later release whatever copies arrive (the project's
   registry of published ids); a better copy improves its text under the same id.
6. **Validate.** Every table is checked on every row against its Pandera schema before it
   is written; two builds from the same raw files and params are byte-identical.

## This release

| figure | value |
|---|---|
{
        _counts(
            {
                "abstracts": rows["default"],
                "occurrences": rows["occurrences"],
                "rejects": rows["rejects"],
                "raw files": stats["files"],
                "abstracts with duplicates": stats["groups_with_duplicates"],
            }
        )
    }
| flag | abstracts |
|---|---|
{_counts(flags)}
| reject reason | spans |
|---|---|
{_counts(stats["rejects_by_reason"])}
## Limitations

- Flags are heuristics tuned for precision: `is_truncated` and `has_lost_characters` flag
  only with evidence (measured on real arXiv abstracts: every flag of a sample read was
  right) and so miss cuts at a word boundary after an ordinary word; the release flags are
  pattern-based.
- Near-duplicate detection merges texts that differ in a few words; two papers by the same
  authors with nearly the same abstract become one row (their occurrences show both).
- A copy both cut off and edited is found only if it stays similar enough to its original.
- The texts' licence is that of their publishers: see the license field and the sources.

## Changelog

{history}

## Citation

```bibtex
{citation(meta)}
```
"""


def citation(meta: dict) -> str:
    """The release's BibTeX entry."""
    key = meta["version"].replace(".", "_")
    return (
        f"@misc{{abstracts_{key},\n  title = {{{meta['pretty_name']}}},\n"
        f"  note = {{Version {meta['version']}}},\n  year = {{{meta['date_published'][:4]}}},\n}}"
    )
