"""Reports of a tournament run: a rich leaderboard, a Markdown summary and one self-contained HTML page.

    paths = write_reports("runs/main")      # report.md and report.html in the run folder
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from locogym.harness.report.data import RunData, load_run
from locogym.harness.report.html import render_html
from locogym.harness.report.markdown import render_markdown
from locogym.harness.report.summary import Summary, summarise
from locogym.harness.report.terminal import render_leaderboard

MARKDOWN = "report.md"
HTML = "report.html"
PRIVATE_HTML = "report-private.html"


@dataclass
class ReportFiles:
    markdown: Path
    html: Path
    summary: Summary
    private_html: Path | None = None  # a salted run's full page; ``html`` is then the redacted one


def write_reports(run_dir: str | Path, title: str | None = None) -> ReportFiles:
    """Summarise a run folder and write ``report.md`` and ``report.html`` into it (atomically replaced).

    A run generated with a seed salt keeps its tasks secret, so its ``report.html`` is redacted (no prompt, gold
    answer or step) and the full page goes to ``report-private.html`` beside it.
    """
    run = load_run(run_dir)
    summary = summarise(run)
    title = title or f"locogym tournament · {Path(run_dir).resolve().name}"
    markdown = _replace(run.path / MARKDOWN, render_markdown(summary, title))
    salted = bool((run.plan or {}).get("salt_hash")) or any(r.salt_hash for r in run.results)
    html = _replace(run.path / HTML, render_html(summary, run, title, redact=salted))
    private = _replace(run.path / PRIVATE_HTML, render_html(summary, run, title)) if salted else None
    return ReportFiles(markdown=markdown, html=html, summary=summary, private_html=private)


def _replace(path: Path, text: str) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["ReportFiles", "RunData", "Summary", "load_run", "render_html", "render_leaderboard", "render_markdown",
           "summarise", "write_reports"]
