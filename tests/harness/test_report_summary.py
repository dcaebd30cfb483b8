"""Report numbers from a hand-made run folder, where every figure is worked out by hand, and their renderings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from locogym.core.types import EpisodeResult, EpisodeScore, ModelUsage
from locogym.harness.report import load_run, render_markdown, summarise
from locogym.harness.report.terminal import leaderboard_table, length_table, render_leaderboard
from locogym.harness.rundir import RunDir

E1, E2 = "LoCo-WikiHop-v0", "LoCo-FuncCall-v0"
# agent -> length -> successes over two seeds (env E1); alpha fades at 16k, beta holds, noop never works. Each seed
# is one task (one core) played at every length, so every length figure is paired.
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
                                                termination="submitted", usage=usage, steps=4,
                                                core_hash=f"core-{seed}", depth=0.1 if seed == 0 else 0.9))
        writer.append(EpisodeResult(key="beta-e2", agent="beta", env=E2, seed=0, length=8192, status="errored",
                                    error="sandbox died: container exited (137)", termination="error",
                                    usage=ModelUsage(input=500, output=5, cost_usd=0.25)))
        writer.append(EpisodeResult(key="noop-e2", agent="noop", env=E2, seed=3, length=4096, status="refused",
                                    error="length=4,096 tokens cannot hold this task's core (the prompt needs 5,000 "
                                          "tokens).", termination="error"))
    RunDir(folder).write_plan({"sandbox": "docker", "keys": [*keys, "beta-e2", "noop-e2", "never-ran"]})
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


def test_paired_effective_length_and_degradation_per_agent(summary) -> None:  # type: ignore[no-untyped-def]
    rows = {row.agent: row for row in summary.rows}
    # alpha: 1.0 at 8k, 0.75 at 16k < 0.85 x 1.0 -> effective 8k, first below 16k; resampling the two tasks gives
    # seed 1 twice (0.5 at 16k: 8k) or seed 0 twice (1.0 at 16k: 16k), hence the interval [8k, 16k]
    alpha = rows["alpha"].ecl
    assert alpha is not None and ((alpha.effective, alpha.first_below, alpha.low, alpha.high)
                                  == (8192, 16384, 8192, 16384))
    beta = rows["beta"].ecl
    assert beta is not None and (beta.effective, beta.first_below) == (32768, None)
    noop = rows["noop"].ecl
    assert noop is not None and noop.effective is None  # nothing to keep: it scores 0 at the shortest length
    assert summary.ecl_by_env[("alpha", E1)] == alpha  # all of alpha's scored episodes are in E1
    # both tasks lose everything from 8k to 32k
    assert rows["alpha"].degradation is not None and rows["alpha"].degradation.drop.mean == 1.0
    assert rows["alpha"].degradation.worse == 2
    assert rows["beta"].degradation is not None and rows["beta"].degradation.drop.mean == 0.0


def test_rows_without_a_core_are_not_drawn_as_a_curve(tmp_path: Path) -> None:
    with RunDir(tmp_path).writer() as writer:
        for length, success in ((8192, 1.0), (32768, 0.0)):
            writer.append(EpisodeResult(key=str(length), agent="a", env=E1, seed=0, length=length,
                                        score=EpisodeScore(success=success, outcome="x"), termination="submitted"))
    found = summarise(load_run(tmp_path))
    curve = found.curves[E1]["a"]
    assert not hasattr(curve, "means") and "core hash" in curve.reason  # type: ignore[union-attr]
    assert found.rows[0].ecl is None and found.rows[0].degradation is None
    md = render_markdown(found)
    assert "- a: not paired (1 episode(s)" not in md and "not paired (2 episode(s) carry no core hash" in md


def test_curves_depths_refusals_and_behaviours(summary) -> None:  # type: ignore[no-untyped-def]
    alpha = dict(summary.curves[E1]["alpha"].points())
    assert [alpha[n].mean for n in (8192, 16384, 32768)] == [1.0, 0.75, 0.0]
    assert summary.depths["alpha"]["start"].mean == pytest.approx(2 / 3)  # seed 0: 1.0, 1.0, 0.0
    assert summary.depths["alpha"]["end"].mean == pytest.approx(0.5)  # seed 1: 1.0, 0.5, 0.0
    assert summary.depths["alpha"]["middle"].n == 0
    assert [r.key for r in summary.refused] == ["noop-e2"]
    assert summary.headline_keys["cascade"] == "cascade.error_free" and summary.headline_keys["stop"] == "stop.timely"
    assert summary.headline_keys["consistency"] is None  # no probe tasks in this run
    assert {r.agent: r.behaviours["cascade"] for r in summary.rows} == CASCADE
    assert summary.metrics["alpha"]["family.own"] == 3.0


EXPECTED_TABLE = """\
                              locogym leaderboard
┏━━━┳━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┓
┃ # ┃ agent ┃    score [95% CI] ┃ solved ┃ episodes ┃ tokens ┃    cost ┃
┡━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━┩
│ 1 │ alpha │ 0.58 [{alo}, {ahi}] │    50% │        6 │  6,060 │ $0.0600 │
│ 2 │ beta  │ 0.50 [0.50, 0.50] │     0% │ 6 +1 err │    505 │ $0.2500 │
│ 3 │ noop  │ 0.00 [0.00, 0.00] │     0% │        6 │      0 │ $0.0000 │
└───┴───────┴───────────────────┴────────┴──────────┴────────┴─────────┘
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
    assert "1 planned episode(s) were refused" in text
    assert "score against context length (paired)" in text


EXPECTED_LENGTHS = """\
                    score against context length (paired)
┏━━━━━━━┳━━━━━━┳━━━━━━┳━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━┓
┃ agent ┃   8k ┃  16k ┃  32k ┃          ECL ┃       degr. [95% CI] ┃ tasks ┃
┡━━━━━━━╇━━━━━━╇━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━┩
│ alpha │ 1.00 │ 0.75 │ 0.00 │ 8k [8k, 16k] │ +1.00 [+1.00, +1.00] │     2 │
│ beta  │ 0.50 │ 0.50 │ 0.50 │          32k │ +0.00 [+0.00, +0.00] │     2 │
│ noop  │ 0.00 │ 0.00 │ 0.00 │            – │ +0.00 [+0.00, +0.00] │     2 │
└───────┴──────┴──────┴──────┴──────────────┴──────────────────────┴───────┘
"""


def test_the_paired_length_table_fits_an_80_column_terminal(summary) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    table = length_table(summary)
    assert table is not None
    table.caption = None
    Console(file=out, width=80, color_system=None, legacy_windows=False, emoji=False).print(table)
    assert [line.strip() for line in out.getvalue().splitlines()] == [line.strip() for line in
                                                                       EXPECTED_LENGTHS.splitlines()]


def test_markdown_summary(summary) -> None:  # type: ignore[no-untyped-def]
    md = render_markdown(summary, "t")
    assert md.startswith("# t\n")
    assert "| 2 | beta | 0.50 [0.50, 0.50] | 0% | 32k | +0.00 [+0.00, +0.00] | 6 (+1 errored) | 505 | $0.2500 |" in md
    assert "| alpha | 1.00 [1.00, 1.00] | 0.75 [" in md  # the 16k cell follows
    assert "| +1.00 [+1.00, +1.00] (p=0.5) | 2 |" in md  # alpha's degradation: both tasks fell; over 2 tasks
    assert "| noop | LoCo-FuncCall-v0 | 4k | 3 | length=4,096 tokens cannot hold" in md
    assert "| beta | LoCo-FuncCall-v0 | 8k | 0 | sandbox died: container exited (137) |" in md
