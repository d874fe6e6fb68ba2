"""Render a release's figures as one self-contained HTML page.

Every text from the data goes through `html.escape`, and the searchable table's rows are
JSON inside a `<script type="application/json">` with `<`, `>` and `&` escaped, shown by
setting `textContent`: an abstract holding HTML shows as text, never as markup.
"""

import json
from html import escape

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.report.figures import LENGTH_BIN, Figures
from schemas import FLAGS, REJECT_REASONS

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{background:#f4f6f8;padding:.8rem 1.2rem;border-radius:6px}
.card b{display:block;font-size:1.6rem} table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left;vertical-align:top}
.bar{background:#4c78a8;height:.8rem;display:inline-block} .muted{color:#777;font-size:.9em}
input{font-size:1rem;padding:.4rem;width:30rem;max-width:100%} svg text{font-size:10px}
"""
SCRIPT = """
const rows = JSON.parse(document.getElementById("abstracts-data").textContent);
const body = document.querySelector("#abstracts tbody");
const count = document.getElementById("matches");
function show() {
  const query = document.getElementById("search").value.toLowerCase();
  const found = rows.filter(
    r => !query || r[0].includes(query) || r[1].toLowerCase().includes(query));
  body.replaceChildren(...found.slice(0, 100).map(r => {
    const tr = document.createElement("tr");
    for (const value of r) {
      const td = document.createElement("td");
      td.textContent = value;
      tr.append(td);
    }
    return tr;
  }));
  count.textContent = `${found.length} matching, first ${Math.min(found.length, 100)} shown`;
}
document.getElementById("search").addEventListener("input", show);
show();
"""


def _bars(values: dict[str, int], total: int) -> str:
    widest = max(values.values(), default=0) or 1
    return (
        "".join(
            f"<tr><td>{escape(str(name))}</td><td>{n:,}</td>"
            f"<td class=muted>{n / total:.1%}</td>"
            f"<td><span class=bar style='width:{20 * n / widest:.1f}rem'></span></td></tr>"
            for name, n in values.items()
        )
        if total
        else ""
    )


def _histogram(bins: dict[int, int], title: str) -> str:
    """An SVG bar chart of `bins` (lower bound -> count)."""
    if not bins:
        return "<p class=muted>No abstracts.</p>"
    top, width, height = max(bins.values()), 640, 160
    step = width / len(bins)
    bars = "".join(
        f"<rect x='{i * step:.1f}' y='{height - 140 * n / top:.1f}' width='{step - 1:.1f}' "
        f"height='{140 * n / top:.1f}' fill='#4c78a8'><title>{low}-{low + LENGTH_BIN - 1} "
        f"words: {n}</title></rect>"
        + (f"<text x='{i * step:.1f}' y='{height + 12}'>{low}</text>" if i % 4 == 0 else "")
        for i, (low, n) in enumerate(bins.items())
    )
    return (
        f"<svg role=img aria-label='{escape(title)}' width='{width}' height='{height + 16}'>"
        f"{bars}</svg>"
    )


def _examples(rejects: pa.Table, per_reason: int = 3) -> str:
    rows, seen = [], {}
    for row in rejects.select(["reason", "source", "line_start", "text"]).to_pylist():
        if seen.setdefault(row["reason"], 0) < per_reason:
            seen[row["reason"]] += 1
            text = "(not text)" if row["text"] is None else row["text"][:300]
            rows.append(
                f"<tr><td>{escape(row['reason'])}</td><td>{escape(row['source'])}:"
                f"{row['line_start']}</td><td>{escape(text)}</td></tr>"
            )
    return "".join(rows)


def _largest(abstracts: pa.Table, top: int = 10) -> list[int]:
    """The rows of the `top` largest groups, largest first (then by id: ids are unique, so
    the order is total)."""
    rows = pc.indices_nonzero(pc.greater(abstracts.column("n_occurrences"), 1))
    order = pc.select_k_unstable(
        abstracts.select(["id", "n_occurrences"]).take(rows),
        top,
        [("n_occurrences", "descending"), ("id", "ascending")],
    )
    return rows.take(order).to_pylist()


def shown(abstracts: pa.Table, table_rows: int) -> list[int]:
    """The rows whose text the page shows: the largest groups and the searchable table's."""
    return sorted({*_largest(abstracts), *range(min(table_rows, abstracts.num_rows))})


def _groups(abstracts: pa.Table, occurrences: pa.Table, texts: dict[int, str]) -> str:
    """The largest groups, their text and where their copies are."""
    rows = _largest(abstracts)
    largest = abstracts.select(["id", "n_occurrences"]).take(rows).to_pylist()
    ids = pa.array([r["id"] for r in largest], pa.string())
    copies = occurrences.filter(pc.is_in(occurrences.column("abstract_id"), ids))
    by_id: dict[str, list[dict]] = {}
    for row in copies.select(["abstract_id", "source", "line_start", "match"]).to_pylist():
        by_id.setdefault(row["abstract_id"], []).append(row)
    return "".join(
        f"<tr><td>{escape(r['id'])}</td><td>{r['n_occurrences']}</td>"
        f"<td>{escape(texts[i][:240])}<div class=muted>"
        + "; ".join(
            escape(f"{o['source']}:{o['line_start']} ({o['match']})")
            for o in by_id.get(r["id"], [])[:8]
        )
        + "</div></td></tr>"
        for i, r in zip(rows, largest, strict=True)
    )


def _table_data(abstracts: pa.Table, limit: int, texts: dict[int, str]) -> str:
    rows = [
        [r["id"], texts[i], r["n_words"], r["n_occurrences"]]
        for i, r in enumerate(
            abstracts.select(["id", "n_words", "n_occurrences"]).slice(0, limit).to_pylist()
        )
    ]
    return (
        json.dumps(rows, ensure_ascii=False)
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
    )


# The columns of each config that the report reads (of texts, only the `shown` ones).
COLUMNS = {
    "default": ["id", "n_words", "n_occurrences", *FLAGS],
    "occurrences": ["abstract_id", "source", "line_start", "match"],
    "rejects": ["reason", "source", "line_start", "text"],
}


def render(
    figures: Figures,
    abstracts: pa.Table,
    occurrences: pa.Table,
    rejects: pa.Table,
    table_rows: int,
    texts: dict[int, str],
) -> str:
    """The whole report page; `texts` are those of the `shown` rows of `abstracts`."""
    n = figures.counts["abstracts"]
    cards = "".join(
        f"<div class=card><b>{v:,}</b>{escape(k)}</div>" for k, v in figures.counts.items()
    )
    per_source = {s: c["occurrences"] for s, c in figures.sources.items()}
    reasons = "".join(
        f"<tr><td>{escape(r)}</td><td>{figures.reasons.get(r, 0):,}</td>"
        f"<td class=muted>{escape(meaning)}</td></tr>"
        for r, meaning in REJECT_REASONS.items()
    )
    searchable, data = min(table_rows, n), _table_data(abstracts, table_rows, texts)
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8>
<title>Abstracts {escape(figures.version)}: data report</title>
<style>{STYLE}</style></head><body>
<h1>Abstracts {escape(figures.version)}</h1>
<p class=muted>Data report of the release: what it holds and how clean it is.</p>
<div class=cards id=counts>{cards}</div>
<h2>Sources</h2>
<table><tr><th>raw file</th><th>occurrences</th><th>share</th><th></th></tr>
{_bars(per_source, figures.counts["occurrences"])}</table>
<h2>Rejects</h2>
<table><tr><th>reason</th><th>spans</th><th>meaning</th></tr>{reasons}</table>
<h3>Examples</h3>
<table id=reject-examples><tr><th>reason</th><th>where</th><th>text</th></tr>
{_examples(rejects)}</table>
<h2>Flags</h2>
<table><tr><th>flag</th><th>abstracts</th><th>rate</th><th></th></tr>
{_bars(figures.flags, n)}</table>
<h2>Lengths</h2>
<p class=muted>Abstracts by number of words, in bins of {LENGTH_BIN}.</p>
{_histogram(figures.lengths, "abstracts by length in words")}
<h2>Duplicates</h2>
<table><tr><th>match</th><th>occurrences</th><th>share</th><th></th></tr>
{_bars(figures.matches, figures.counts["occurrences"])}</table>
<h3>Largest groups</h3>
<table id=groups><tr><th>id</th><th>copies</th><th>text and where its copies are</th></tr>
{_groups(abstracts, occurrences, texts)}</table>
<h2>Abstracts</h2>
<p><input id=search type=search placeholder="Search id or text" aria-label=Search>
<span id=matches class=muted></span></p>
<p class=muted>{searchable:,} of {n:,} abstracts searchable here.</p>
<table id=abstracts><thead><tr><th>id</th><th>text</th><th>words</th><th>copies</th></tr>
</thead><tbody></tbody></table>
<script type="application/json" id="abstracts-data">{data}</script>
<script>{SCRIPT}</script>
</body></html>
"""
