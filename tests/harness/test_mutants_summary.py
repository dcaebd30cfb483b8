"""The report summary's cells and flags on hand-made rows: ranks skip references and incomplete agents, intervals
and counts are written as the leaderboard shows them, and a chart is dropped only when every line is noise."""

from __future__ import annotations

from locogym.harness.report.summary import (
    WIDE_INTERVAL,
    AgentRow,
    fmt_effective,
    fmt_episodes,
    fmt_interval,
    fmt_signed,
    pass_rate,
    rank_labels,
    uninformative,
)
from locogym.scoring.aggregate import Interval
from locogym.scoring.paired import PairedEffectiveLength

EMPTY = Interval(0.0, 0.0, 0.0, 0)


def _row(name: str, episodes: int = 4, planned: int | None = None, reference: bool = False,
         errored: int = 0) -> AgentRow:
    return AgentRow(agent=name, score=Interval(0.5, 0.25, 0.75, episodes), solved=0.5, episodes=episodes,
                    errored=errored, steps=3.0, input_tokens=0, output_tokens=0, cost_usd=0.0, wall_time_s=0.0,
                    reference=reference, planned=planned)


def test_ranks_count_only_complete_non_reference_agents() -> None:
    rows = [_row("oracle", reference=True), _row("a"), _row("short", episodes=3, planned=4), _row("b", planned=4),
            _row("over", episodes=5, planned=4)]
    assert rank_labels(rows) == ["ref", "1", "–", "2", "3"]


def test_the_episodes_cell_says_when_an_agent_is_short_of_its_plan_and_what_errored() -> None:
    assert fmt_episodes(_row("a")) == "4"
    assert fmt_episodes(_row("a", episodes=3, planned=4, errored=1)) == "3 of 4 planned, incomplete (+1 errored)"
    assert fmt_episodes(_row("a", episodes=4, planned=4)) == "4"


def test_intervals_and_differences_are_written_with_their_signs_and_counts() -> None:
    iv = Interval(0.5, 0.25, 0.75, 8)
    assert fmt_interval(iv) == "0.50 [0.25, 0.75]" and fmt_interval(iv, 1, n=True) == "0.5 [0.2, 0.8] n=8"
    assert fmt_interval(EMPTY, n=True) == "–"
    assert fmt_signed(Interval(0.25, -0.05, 0.45, 3)) == "+0.25 [-0.05, +0.45]"


def test_effective_length_shows_its_interval_unless_it_is_exact() -> None:
    assert fmt_effective(None) == "–"
    assert fmt_effective(PairedEffectiveLength(None, None, None, 8192)) == "–"
    assert fmt_effective(PairedEffectiveLength(16384, 16384, 16384, None)) == "16k"
    assert fmt_effective(PairedEffectiveLength(16384, 8192, 32768, 65536)) == "16k [8k, 32k]"
    assert fmt_effective(PairedEffectiveLength(16384, None, 32768, 65536)) == "16k [0, 32k]"


def test_pass_rate_counts_full_successes_only() -> None:
    assert pass_rate([1.0, 0.999, 0.5, 1.0]) == 0.5 and pass_rate([]) == 0.0


def test_a_chart_is_uninformative_only_when_every_spread_point_is_wide() -> None:
    wide, narrow = Interval(0.5, 0.0, WIDE_INTERVAL, 4), Interval(0.5, 0.4, 0.6, 4)
    exact = Interval(1.0, 1.0, 1.0, 4)
    assert uninformative({"a": [(8192, wide)], "oracle": [(8192, exact)]})
    assert not uninformative({"a": [(8192, wide), (16384, narrow)]})
    assert not uninformative({"oracle": [(8192, exact)], "none": [(8192, EMPTY)]})
    assert not uninformative({"a": [(8192, Interval(0.5, 0.0, WIDE_INTERVAL - 0.01, 4))]})
