"""Report numbers from a hand-made run folder, where every figure is worked out by hand, and their renderings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from locogym.core.types import EpisodeResult, EpisodeScore, ModelUsage
from locogym.harness.report import load_run, render_markdown, summarise
from locogym.harness.report.terminal import leaderboard_table, render_leaderboard
from locogym.harness.rundir import RunDir

E1, E2 = "LoCo-WikiHop-v0", "LoCo-FuncCall-v0"
# agent -> length -> successes over two seeds (env E1); alpha fades at 16k, beta holds, noop never works
SCORES = {
    "alpha": {8192: [1.0, 1.0], 16384: [1.0, 0.5], 32768: [0.0, 0.0]},
    "beta": {8192: [0.5, 0.5], 16384: [0.5, 0.5], 32768: [0.5, 0.5]},
    "noop": {8192: [0.0, 0.0], 16384: [0.0, 0.0], 32768: [0.0, 0.0]},
}
CASCADE = {"alpha": 0.75, "beta": 0.5, "noop": 1.0}  # share of error-free episodes


def make_run(folder: Path) -> Path:
    keys = []
    with RunDir(folder).writer() as writer:
        for agent, by_length in SCORES.items():
            for length, values in by_length.items():
                for seed, success in enumerate(values):
                    key = f"{agent}-{length}-{seed}"
                    keys.append(key)
                    score = EpisodeScore(success=success, outcome="correct" if success == 1 else "wrong",
                                         metrics={"cascade.error_free": CASCADE[agent], "stop.timely": success,
                                                  "family.own": 3.0})
                    usage = ModelUsage(input=1000, output=10, cost_usd=0.01) if agent == "alpha" else ModelUsage()
                    writer.append(EpisodeResult(key=key, agent=agent, env=E1, seed=seed, length=length, score=score,
                                                termination="submitted", usage=usage, steps=4))
        writer.append(EpisodeResult(key="beta-e2", agent="beta", env=E2, seed=0, length=8192, status="errored",
                                    error="sandbox died: container exited (137)", termination="error",
                                    usage=ModelUsage(input=500, output=5, cost_usd=0.25)))
    RunDir(folder).write_plan({"sandbox": "docker", "keys": [*keys, "beta-e2", "never-ran"]})
    return folder


@pytest.fixture
def summary(tmp_path: Path):  # type: ignore[no-untyped-def]
    return summarise(load_run(make_run(tmp_path / "run")))


def test_leaderboard_means_intervals_and_ranking(summary) -> None:  # type: ignore[no-untyped-def]
    rows = {row.agent: row for row in summary.rows}
    assert [row.agent for row in summary.rows] == ["alpha", "beta", "noop"]  # 7/12 > 6/12 > 0
    assert rows["alpha"].score.mean == pytest.approx(3.5 / 6)
    assert rows["alpha"].score.low < rows["alpha"].score.mean < rows["alpha"].score.high
    assert (rows["beta"].score.low, rows["beta"].score.high) == (0.5, 0.5)  # constant scores: no spread
    assert rows["alpha"].solved == pytest.approx(3 / 6)
    assert rows["beta"].episodes == 6 and rows["beta"].errored == 1  # the errored episode is not scored
    assert rows["beta"].cost_usd == pytest.approx(0.25) and rows["beta"].input_tokens == 500  # but its spend counts
    assert rows["alpha"].input_tokens == 6000 and rows["alpha"].cost_usd == pytest.approx(0.06)
    assert summary.missing == 1 and len(summary.errored) == 1 and summary.sandbox == "docker"


def test_effective_context_length_per_agent(summary) -> None:  # type: ignore[no-untyped-def]
    rows = {row.agent: row for row in summary.rows}
    # alpha: 1.0 at 8k, 0.75 at 16k < 0.85 x 1.0 -> effective 8k, first below 16k
    assert (rows["alpha"].ecl, rows["alpha"].ecl_first_below) == (8192, 16384)
    assert (rows["beta"].ecl, rows["beta"].ecl_first_below) == (32768, None)
    assert (rows["noop"].ecl, rows["noop"].ecl_first_below) == (None, None)
    assert summary.ecl_by_env[("alpha", E1)] == (8192, 16384)  # all of alpha's scored episodes are in E1


def test_curves_and_behaviours(summary) -> None:  # type: ignore[no-untyped-def]
    alpha = dict(summary.curves[E1]["alpha"])
    assert [alpha[n].mean for n in (8192, 16384, 32768)] == [1.0, 0.75, 0.0]
    assert summary.headline_keys["cascade"] == "cascade.error_free" and summary.headline_keys["stop"] == "stop.timely"
    assert summary.headline_keys["consistency"] is None  # no probe tasks in this run
    assert {r.agent: r.behaviours["cascade"] for r in summary.rows} == CASCADE
    assert summary.metrics["alpha"]["family.own"] == 3.0


EXPECTED_TABLE = """\
                              locogym leaderboard
┏━━━┳━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┓
┃ # ┃ agent ┃    score [95% CI] ┃ solved ┃       ECL ┃ episodes ┃ tokens ┃    cost ┃
┡━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━┩
│ 1 │ alpha │ 0.58 [{alo}, {ahi}] │    50% │ 8k (<16k) │        6 │  6,060 │ $0.0600 │
│ 2 │ beta  │ 0.50 [0.50, 0.50] │     0% │       32k │ 6 +1 err │    505 │ $0.2500 │
│ 3 │ noop  │ 0.00 [0.00, 0.00] │     0% │         – │        6 │      0 │ $0.0000 │
└───┴───────┴───────────────────┴────────┴───────────┴──────────┴────────┴─────────┘
"""


def test_the_terminal_leaderboard_renders_exactly(summary) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None, legacy_windows=False, emoji=False)
    table = leaderboard_table(summary)
    table.caption = None
    console.print(table)
    alpha = summary.rows[0].score
    expected = EXPECTED_TABLE.format(alo=f"{alpha.low:.2f}", ahi=f"{alpha.high:.2f}")
    assert [line.strip() for line in out.getvalue().splitlines()] == [line.strip() for line in expected.splitlines()]


def test_the_full_terminal_report_lists_notes(summary) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(render_leaderboard(summary))
    text = out.getvalue()
    assert "score by environment" in text and "behaviours" in text and "cascade ↑" in text
    assert "1 errored episode(s) are not scored" in text
    assert "1 planned episode(s) have no result yet" in text


def test_markdown_summary(summary) -> None:  # type: ignore[no-untyped-def]
    md = render_markdown(summary, "t")
    assert md.startswith("# t\n")
    assert "| 2 | beta | 0.50 [0.50, 0.50] | 0% | 32k | 6 (+1 errored) | 505 | $0.2500 |" in md
    assert "| alpha | 1.00 [1.00, 1.00] n=2 | 0.75 [" in md  # the 16k cell follows, every mean with its n
    assert "| beta | LoCo-FuncCall-v0 | 8k | 0 | sandbox died: container exited (137) |" in md
