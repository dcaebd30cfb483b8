"""``locogym retrieval CORPUS``: score retrievers on the questions' gold paragraphs, with no model involved."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def retrieval_command(
    corpus: Annotated[str, typer.Argument(help="hotpotqa:PATH, musique:PATH, 2wiki:PATH, synthetic, or a QA file.")],
    retrievers: Annotated[str, typer.Option(help="Comma-separated retrievers.")] = "bm25,dense,hybrid,ppr-bm25",
    k: Annotated[str, typer.Option(help="Cut-offs for recall@k.")] = "1,2,5,10,20,50,100",
    questions: Annotated[str | None, typer.Option(help="QA file for a wikiextractor: corpus.")] = None,
    limit: Annotated[int | None, typer.Option(help="Use the first N questions (synthetic: N seeded ones).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for retrieval.json and retrieval.svg.")] = Path("runs/retrieval"),
) -> None:
    """Score retrievers on the questions' gold paragraphs (recall@k, nDCG@10), with no model involved."""
    from locogym.harness.retrieval import parse_ks, parse_names, retrieval_track
    from locogym.harness.retrieval_report import retrieval_view, write_report

    report = retrieval_track(corpus, parse_names(retrievers), parse_ks(k), questions=questions, limit=limit)
    console.print(retrieval_view(report))
    paths = write_report(report, out)
    console.print(f"plot: {paths['svg']}  figures: {paths['json']}")


def register(app: typer.Typer) -> None:
    app.command("retrieval")(retrieval_command)
