"""The Markdown summary: the leaderboard and the main figures as tables, for a pull request or a notebook."""

from __future__ import annotations

from collections.abc import Callable

from locogym.core.tokens import TRUNCATION_SHARE, format_length
from locogym.core.types import EpisodeResult
from locogym.harness.report.confidence import Confidence
from locogym.harness.report.summary import (
    BEHAVIOUR_TITLES,
    Curve,
    Summary,
    fmt_degradation,
    fmt_effective,
    fmt_episodes,
    fmt_interval,
    fmt_signed,
    rank_labels,
    unisolated_note,
)
from locogym.scoring.paired import PairedCurve


def render_markdown(summary: Summary, title: str = "locogym tournament") -> str:
    lines = [f"# {title}", "", *_preamble(summary)]
    if summary.confidence is not None:
        lines += ["", *_how_sure(summary.confidence, summary.agents)]
    lines += _leaderboard(summary) + _by_env(summary) + _curves(summary)
    if summary.depths:
        lines += _depth_table(summary)
    lines += _behaviours(summary) + _calibration(summary)
    lines += _episode_list("Refused episodes", "reason", summary.refused, 200)
    lines += _episode_list("Errored episodes", "error", summary.errored, 160)
    lines += _episode_list("Episodes the provider truncated", "requests cut", summary.truncated, 160,
                           reason=lambda r: f"{r.context_truncated} request(s)")
    return "\n".join(lines).rstrip() + "\n"


def _preamble(summary: Summary) -> list[str]:
    """What the run holds, and what a reader must know before trusting it: errors, refusals, cuts, spending."""
    total = sum(row.episodes for row in summary.rows)
    lines = [f"{total} scored episodes · {len(summary.agents)} agents · {len(summary.envs)} envs · lengths "
             f"{', '.join(format_length(n) for n in summary.lengths)}"
             + (f" · sandbox {summary.sandbox}" if summary.sandbox else "") + "."]
    if summary.errored:
        lines.append(f"{len(summary.errored)} episode(s) errored (infrastructure, not scored).")
    if summary.refused:
        lines.append(f"{len(summary.refused)} planned episode(s) refused: the length cannot hold the task's core "
                     "(listed below; left out of the paired figures).")
    if summary.missing:
        lines.append(f"{summary.missing} planned episode(s) have no result yet.")
    if summary.ledger_usd is not None:
        lines.append(f"Spent ${summary.ledger_usd:,.4f} in this run folder (its spending ledger: every invocation "
                     "and every attempt, errored ones included).")
    if summary.truncated:
        lines.append(f"**{len(summary.truncated)} scored episode(s) had prompts the provider cut** (it reported "
                     f"under {TRUNCATION_SHARE:.0%} of the prompt tokens sent): those scores may not reflect the "
                     "whole context (listed below).")
    note = unisolated_note(summary)
    if note is not None:
        lines.append(f"**{note}**")
    return lines


def _leaderboard(summary: Summary) -> list[str]:
    lines = ["", "## Leaderboard", "",
             "ECL: paired effective context length, the longest length whose score stays at or above 85% of the "
             "shortest length's, over the tasks played at every length (interval: resampled tasks). Degradation: "
             "the mean score a task loses from the shortest to the longest length (positive: worse with more "
             "context). See docs/scoring.md.", "",
             "| # | agent | score [95% CI] | solved | ECL | degradation [95% CI] | episodes | tokens | cost |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for rank, row in zip(rank_labels(summary.rows), summary.rows, strict=True):
        agent = f"{row.agent} (reference: saw the hidden task)" if row.reference else row.agent
        lines.append(f"| {rank} | {_cell(agent)} | {fmt_interval(row.score)} | {row.solved:.0%} | "
                     f"{fmt_effective(row.ecl)} | {fmt_degradation(row.degradation)} | "
                     f"{fmt_episodes(row)} | "
                     f"{row.input_tokens + row.output_tokens:,} | ${row.cost_usd:,.4f} |")
    return lines


def _by_env(summary: Summary) -> list[str]:
    lines = ["", "## Score by environment", "",
             "| agent | " + " | ".join(summary.envs) + " |", "|---|" + "---:|" * len(summary.envs)]
    for row in summary.rows:
        lines.append(f"| {_cell(row.agent)} | " + " | ".join(
            fmt_interval(row.per_env[e], n=True) if e in row.per_env else "–" for e in summary.envs) + " |")
    return lines


def _curves(summary: Summary) -> list[str]:
    lines = ["", "## Score against context length (paired)", "",
             "Each row is over the tasks the agent played at every length of the row (the same core, a larger "
             "context): a drop is the effect of length, not of other tasks. n: tasks; intervals resample tasks.", ""]
    for env, per_agent in summary.curves.items():
        lines += [f"### {env}", "", *_curve_table(per_agent, summary.agents)]
    return lines


def _behaviours(summary: Summary) -> list[str]:
    keys = {b: k for b, k in summary.headline_keys.items() if k}
    if not keys:
        return []
    lines = ["## Behaviours", "", "| agent | " + " | ".join(f"{BEHAVIOUR_TITLES[b]} (`{k}`)"
                                                            for b, k in keys.items()) + " |",
             "|---|" + "---:|" * len(keys)]
    for row in summary.rows:
        lines.append(f"| {_cell(row.agent)} | " + " | ".join(
            "–" if row.behaviours.get(b) is None
            else f"{row.behaviours[b]:.3f} (n={summary.metric_counts[row.agent].get(k, 0)})"
            for b, k in keys.items()) + " |")
    return [*lines, ""]


def _calibration(summary: Summary) -> list[str]:
    if not summary.calibration:
        return []
    lines = ["## Calibration", "", "Answers that stated a confidence; lower is better (see docs/scoring.md).", "",
             "| agent | answers with confidence | ECE | Brier |", "|---|---:|---:|---:|"]
    for agent, found in summary.calibration.items():
        lines.append(f"| {_cell(agent)} | {found.answers} of {found.episodes} | {found.ece:.3f} | "
                     f"{found.brier:.3f} |")
    return [*lines, ""]


def _episode_list(title: str, why: str, results: list[EpisodeResult], width: int,
                  reason: Callable[[EpisodeResult], str] = lambda r: r.error or "") -> list[str]:
    """Episodes to read apart (no score, or a score to doubt), each with why (the first 50)."""
    if not results:
        return []
    lines = [f"## {title}", "", f"| agent | env | length | seed | {why} |", "|---|---|---:|---:|---|"]
    for result in results[:50]:
        lines.append(f"| {_cell(result.agent)} | {result.env} | {format_length(result.length)} | {result.seed} | "
                     f"{_cell(reason(result)[:width])} |")
    return [*lines, ""]


def _curve_table(per_agent: dict[str, Curve], agents: list[str]) -> list[str]:
    """One env's paired curves: a row per agent with its mean at each length, its degradation and its tasks; an
    agent whose lengths cannot be paired gets the reason instead of numbers."""
    lengths = sorted({n for curve in per_agent.values() if isinstance(curve, PairedCurve) for n in curve.lengths})
    lines = ["| agent | " + " | ".join(format_length(n) for n in lengths) + " | degradation | tasks |",
             "|---|" + "---:|" * (len(lengths) + 2)]
    notes = []
    for agent in agents:
        curve = per_agent.get(agent)
        if curve is None:
            continue
        if not isinstance(curve, PairedCurve):
            notes.append(f"- {_cell(agent)}: not paired ({curve.reason}).")
            continue
        points = dict(curve.points())
        skipped = f" (+{curve.incomplete} not at every length)" if curve.incomplete else ""
        degradation = f"{fmt_degradation(curve.degradation)} (p={curve.degradation.p_value:.2g})"
        lines.append(f"| {_cell(agent)} | " + " | ".join(fmt_interval(points[n]) if n in points else "–"
                                                         for n in lengths)
                     + f" | {degradation} | {curve.tasks}{skipped} |")
    return [*lines, "", *notes, *([""] if notes else [])]


def _depth_table(summary: Summary) -> list[str]:
    lines = ["## Score by evidence depth", "",
             "Where the evidence the answer rests on sat in the context (thirds of it), mean success over tasks.", "",
             "| agent | start | middle | end |", "|---|---:|---:|---:|"]
    for agent in summary.agents:
        bins = summary.depths.get(agent)
        if bins:
            lines.append(f"| {_cell(agent)} | " + " | ".join(fmt_interval(bins[b], n=True) for b in
                                                             ("start", "middle", "end")) + " |")
    return [*lines, ""]


def _how_sure(found: Confidence, agents: list[str]) -> list[str]:
    """The section a reader should see first: what the numbers below can and cannot say."""
    lines = ["## How sure are we", "", *[f"- {_cell(text)}" for text in found.findings], ""]
    if found.reliability:
        lines += _reliability(found, agents)
    if found.pairs:
        lines += _pairwise(found, agents) + _tasks_needed(found)
    if len(found.ratings) > 1:
        lines += _ratings(found)
    return lines


def _reliability(found: Confidence, agents: list[str]) -> list[str]:
    lines = ["### Reliability over trials", "",
             f"Up to {found.trials} trial(s) per task. pass^k: every one of k trials passes; pass@k: at least "
             "one does; flip rate: share of tasks whose trials disagree. Intervals resample tasks.", "",
             "| agent | env | tasks | k | pass^k [95% CI] | pass@k [95% CI] | flip rate [95% CI] |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for agent in agents:
        for (who, env), rel in found.reliability.items():
            if who == agent:
                flip = "–" if (iv := rel.flip_interval) is None else \
                    f"{iv.mean:.0%} [{iv.low:.0%}, {iv.high:.0%}] (n={rel.flip_tasks})"
                lines.append(f"| {_cell(agent)} | {env} | {rel.tasks} | {rel.k} | {fmt_interval(rel.pass_hat_k)} "
                             f"| {fmt_interval(rel.pass_at_k)} | {flip} |")
    return [*lines, ""]


def _pairwise(found: Confidence, agents: list[str]) -> list[str]:
    """The upper triangle of row-minus-column differences, bold where the pair is really apart."""
    ranked = [a for a in agents if any(a in pair for pair in found.pairs)]
    lines = ["### Pairwise significance", "",
             "Row minus column: mean per-task difference in success over the tasks both played, with a paired "
             "bootstrap 95% interval; **bold** when the interval leaves out zero and the exact sign test "
             "clears 5% after Holm's correction over the pairs. The reference is compared with no one.", "",
             "| | " + " | ".join(_cell(a) for a in ranked[1:]) + " |", "|---|" + "---:|" * (len(ranked) - 1)]
    for i, a in enumerate(ranked[:-1]):
        cells = []
        for j, b in enumerate(ranked[1:], start=1):
            pair = found.pairs.get((a, b))
            if j <= i or pair is None:
                cells.append("")
                continue
            text = f"{fmt_signed(pair.difference)} (n={pair.tasks})"
            cells.append(f"**{text}**" if pair.separated else text)
        lines.append(f"| {_cell(a)} | " + " | ".join(cells) + " |")
    return lines


def _tasks_needed(found: Confidence) -> list[str]:
    lines = ["", "### Tasks needed to separate each pair", "",
             "Tasks the exact sign test needs to tell the two apart with 80% power at 5% two-sided, if the "
             "shares of tasks they differ on and of those each wins held (never fewer than 6, the fewest that "
             "can reach 5%); ∞ when neither wins more shared tasks.", "",
             "| agent | against | shared tasks | better / worse on | sign test p | Holm p | tasks needed |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for (a, b), pair in found.pairs.items():
        needed = "∞" if pair.tasks_needed is None else str(pair.tasks_needed)
        lines.append(f"| {_cell(a)} | {_cell(b)} | {pair.tasks} | {pair.a_better} / {pair.b_better} | "
                     f"{pair.sign_p:.3g} | {pair.p_value:.3g} | {needed} |")
    return [*lines, ""]


def _ratings(found: Confidence) -> list[str]:
    lines = ["### Bradley-Terry ratings", "",
             "Fitted to per-task wins between every pair of agents (ties count half); Elo scale centred on "
             "1000, 95% interval from resampled tasks.", "", "| agent | rating [95% CI] | tasks |",
             "|---|---:|---:|"]
    for agent in sorted(found.ratings, key=lambda a: -found.ratings[a].mean):
        rating = found.ratings[agent]
        lines.append(f"| {_cell(agent)} | {rating.mean:.0f} [{rating.low:.0f}, {rating.high:.0f}] | {rating.n} |")
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
