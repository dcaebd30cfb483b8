"""How the retriever track is shown: a rich table for the terminal, a standalone SVG plot, and files on disk.

The plot draws recall@k against k (log scale), one line per retriever, with nDCG@10 in the legend. It is a
self-contained file (colours inline, no script, no font download) so it opens anywhere.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import orjson
from rich.console import Group
from rich.markup import escape as markup_escape
from rich.table import Table
from rich.text import Text

from locogym.harness.retrieval import NDCG_K, RetrievalReport

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def retrieval_view(report: RetrievalReport) -> Group:
    """The table, then a line per retriever with its nDCG@10 interval and timings (or why it was skipped)."""
    table, notes = retrieval_table(report)
    return Group(table, *(Text.from_markup(note) for note in notes))


def retrieval_table(report: RetrievalReport) -> tuple[Table, list[str]]:
    """One row per retriever: recall at every k, nDCG@10 (best in bold) and MRR, narrow enough for an 80-column
    terminal; and the notes that do not fit in it."""
    table = Table(title=f"retriever track: {markup_escape(report.corpus)} ({report.questions} questions, "
                        f"{report.articles} paragraphs)")
    table.add_column("retriever", no_wrap=True)
    for k in report.ks:
        table.add_column(f"R@{k}", justify="right", no_wrap=True)
    table.add_column(f"nDCG@{NDCG_K}", justify="right", no_wrap=True)
    table.add_column("MRR", justify="right", no_wrap=True)
    ran = [s for s in report.scores if s.skipped is None]
    best = max((s.ndcg for s in ran), default=None)
    notes: list[str] = []
    for score in report.scores:
        name = markup_escape(score.name)
        if score.skipped is not None:
            table.add_row(name, *["–"] * len(report.ks), "–", "–")
            notes.append(f"{name} skipped: {markup_escape(score.skipped)}")
            continue
        ndcg = f"{score.ndcg:.3f}"
        table.add_row(name, *[f"{score.recall[k]:.2f}" for k in report.ks],
                      f"[bold]{ndcg}[/]" if score.ndcg == best else ndcg, f"{score.mrr:.2f}")
        notes.append(f"{name}: nDCG@{NDCG_K} 95% CI {score.ndcg_low:.3f}–{score.ndcg_high:.3f}; index "
                     f"{score.build_seconds:.1f} s; {score.query_ms:.1f} ms/query")
    return table, notes


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def recall_svg(report: RetrievalReport, width: int = 640, height: int = 340) -> str:
    """Recall@k against k for every retriever that ran, as one standalone ``<svg>`` document."""
    left, right, top, bottom, legend_w = 48, 16, 34, 40, 190
    plot_w, plot_h = width - left - right - legend_w, height - top - bottom
    ks = report.ks
    lo, hi = math.log(ks[0]), math.log(ks[-1])

    def x_of(k: int) -> float:
        return left + (plot_w / 2 if hi == lo else (math.log(k) - lo) / (hi - lo) * plot_w)

    def y_of(value: float) -> float:
        return top + (1 - max(0.0, min(1.0, value))) * plot_h

    title = f"recall@k — {report.corpus} ({report.questions} questions)"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" font-family="sans-serif" font-size="11" role="img" aria-label="{escape(title)}">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{left}" y="20" font-size="13" font-weight="bold">{escape(title)}</text>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = _fmt(y_of(tick))
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" stroke="#dddddd"/>'
                   f'<text x="{left - 6}" y="{_fmt(y_of(tick) + 4)}" text-anchor="end">{tick:g}</text>')
    for k in ks:
        x = _fmt(x_of(k))
        out.append(f'<line x1="{x}" x2="{x}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#555555"/>'
                   f'<text x="{x}" y="{top + plot_h + 16}" text-anchor="middle">{k}</text>')
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle">k (log scale)</text>'
               f'<text x="12" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 12 {top + plot_h / 2:.0f})">recall@k</text>')
    ran = [s for s in report.scores if s.skipped is None]
    for order, score in enumerate(ran):
        colour = COLOURS[order % len(COLOURS)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{_fmt(x_of(k))},{_fmt(y_of(score.recall[k]))}"
                        for i, k in enumerate(ks))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for k in ks:
            out.append(f'<circle cx="{_fmt(x_of(k))}" cy="{_fmt(y_of(score.recall[k]))}" r="3" fill="{colour}">'
                       f'<title>{escape(score.name)} recall@{k} = {score.recall[k]:.3f}</title></circle>')
        ly = top + 8 + order * 18
        lx = left + plot_w + 16
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"/>'
                   f'<text x="{lx + 24}" y="{ly + 4}">{escape(score.name)} (nDCG@{NDCG_K} {score.ndcg:.3f})</text>')
    for order, score in enumerate(s for s in report.scores if s.skipped is not None):
        ly = top + 8 + (len(ran) + order) * 18
        out.append(f'<text x="{left + plot_w + 16}" y="{ly + 4}" fill="#888888">{escape(score.name)}: skipped</text>')
    out.append("</svg>\n")
    return "".join(out)


def write_report(report: RetrievalReport, out: Path) -> dict[str, Path]:
    """``retrieval.json`` and ``retrieval.svg`` in ``out`` (created); each file is replaced whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    contents = {out / "retrieval.json": orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2
                                                     | orjson.OPT_NON_STR_KEYS),
                out / "retrieval.svg": recall_svg(report).encode()}
    for path, data in contents.items():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return {"json": out / "retrieval.json", "svg": out / "retrieval.svg"}
