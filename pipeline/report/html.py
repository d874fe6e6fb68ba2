"""Render a release's figures as one self-contained HTML page.

Every text from the data goes through `html.escape`, and the searchable table's rows are
JSON inside a `<script type="application/json">` with `<`, `>` and `&` escaped, shown by
setting `textContent`: an abstract holding HTML shows as text, never as markup.
"""

from html import escape

from pipeline.report.figures import Figures
from pipeline.report.shown import Shown
from pipeline.report.summary import LENGTH_BIN
from pipeline.report.table import DATA_CLOSE, DATA_OPEN
from schemas import REJECT_REASONS

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
const data = JSON.parse(document.getElementById("abstracts-data").textContent);
const rows = data.id.map((id, i) => [id, data.text[i], data.n_words[i], data.n_occurrences[i]]);
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


def _examples(rejects: list[dict]) -> str:
    return "".join(
        f"<tr><td>{escape(row['reason'])}</td><td>{escape(row['source'])}:"
        f"{row['line_start']}</td><td>"
        + escape("(not text)" if row["text"] is None else row["text"][:300])
        + "</td></tr>"
        for row in rejects
    )


def _groups(shown: Shown) -> str:
    """The largest groups, their text and where their copies are."""
    return "".join(
        f"<tr><td>{escape(group['id'])}</td><td>{group['n_occurrences']}</td>"
        f"<td>{escape(shown.texts[group['row']][:240])}<div class=muted>"
        + "; ".join(
            escape(f"{o['source']}:{o['line_start']} ({o['match']})")
            for o in shown.copies.get(group["id"], [])[:8]
        )
        + "</div></td></tr>"
        for group in shown.groups
    )


def render(figures: Figures, shown: Shown) -> bytes:
    """The whole report page, in UTF-8."""
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
    page = f"""<!doctype html>
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
{_examples(shown.rejects)}</table>
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
{_groups(shown)}</table>
<h2>Abstracts</h2>
<p><input id=search type=search placeholder="Search id or text" aria-label=Search>
<span id=matches class=muted></span></p>
<p class=muted>{shown.table.rows:,} of {n:,} abstracts searchable here.</p>
<table id=abstracts><thead><tr><th>id</th><th>text</th><th>words</th><th>copies</th></tr>
</thead><tbody></tbody></table>
{DATA_OPEN}"""
    end = f"""{DATA_CLOSE}
<script>{SCRIPT}</script>
</body></html>
"""
    return page.encode() + shown.table.data + end.encode()
