"""An agent with fewer scored episodes than the sealed plan gives it is marked incomplete and left unranked in
every report, and an agent the plan names but that has no row at all still appears."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.report import load_run, render_markdown, summarise
from locogym.harness.report.html import render_html
from locogym.harness.report.summary import Summary, rank_labels
from locogym.harness.report.terminal import leaderboard_table
from locogym.harness.rundir import RunDir

ENV = "LoCo-WikiHop-v0"
AGENTS = ["alpha", "beta", "gamma", "noop"]
SEEDS = range(4)


def _result(agent: str, seed: int, status: str = "done", success: float = 1.0) -> EpisodeResult:
    if status != "done":
        return EpisodeResult(key=f"{agent}-{seed}", agent=agent, env=ENV, seed=seed, length=8192, status=status,
                             error="why", termination="error")
    return EpisodeResult(key=f"{agent}-{seed}", agent=agent, env=ENV, seed=seed, length=8192,
                         score=EpisodeScore(success=success, outcome="correct" if success else "wrong"),
                         termination="submitted", steps=2, core_hash=f"core-{seed}")


def _summary(folder: Path) -> Summary:
    """alpha scores 0.5 on every task; beta scores 1.0 on two, errs on one and never ran the last; gamma never ran;
    noop had one task refused (too long for the length) and scored 0 on the rest."""
    with RunDir(folder).writer() as writer:
        for seed in SEEDS:
            writer.append(_result("alpha", seed, success=0.5))
        writer.append(_result("beta", 0))
        writer.append(_result("beta", 1))
        writer.append(_result("beta", 2, status="errored"))
        writer.append(_result("noop", 0, status="refused"))
        for seed in (1, 2, 3):
            writer.append(_result("noop", seed, success=0.0))
    keys = [f"{agent}-{seed}" for agent in AGENTS for seed in SEEDS]
    RunDir(folder).write_plan({"keys": keys, "config": {"agents": [{"spec": a, "label": None} for a in AGENTS]}})
    return summarise(load_run(folder))


def test_incomplete_agents_are_kept_marked_and_ranked_after_complete_ones(tmp_path: Path) -> None:
    summary = _summary(tmp_path / "run")
    rows = {row.agent: row for row in summary.rows}
    assert set(rows) == set(AGENTS)  # gamma has no row in episodes.jsonl and is still listed
    assert [r.agent for r in summary.rows] == ["alpha", "noop", "beta", "gamma"]  # beta's 1.0 over 2 tasks is not first
    assert rank_labels(summary.rows) == ["1", "2", "–", "–"]
    assert (rows["beta"].incomplete, rows["beta"].planned, rows["beta"].episodes) == (True, 4, 2)
    assert (rows["gamma"].incomplete, rows["gamma"].episodes) == (True, 0)
    assert not rows["noop"].incomplete and rows["noop"].planned == 3  # the refused task is nobody's to play
    assert not rows["alpha"].incomplete


def test_every_report_says_which_agents_are_incomplete(tmp_path: Path) -> None:
    summary = _summary(tmp_path / "run")
    markdown = render_markdown(summary, "t")
    assert "| – | beta |" in markdown and "2 of 4 planned, incomplete (+1 errored)" in markdown
    assert "0 of 4 planned, incomplete" in markdown
    buffer = io.StringIO()
    Console(file=buffer, width=160).print(leaderboard_table(summary))
    terminal = buffer.getvalue()
    assert "of 4, incomplete" in terminal and terminal.count("incomplete") == 2
    html = render_html(summary, load_run(tmp_path / "run"), "t")
    assert html.count("planned, incomplete") == 2


def test_without_a_plan_no_agent_is_called_incomplete(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    with RunDir(folder).writer() as writer:
        writer.append(_result("alpha", 0))
    assert not summarise(load_run(folder)).rows[0].incomplete
