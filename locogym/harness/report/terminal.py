"""The leaderboard in the terminal (rich): the ranking, then score by environment, then the behaviours.

Three narrow tables rather than one wide one, so an 80-column terminal shows every number unclipped.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from locogym.core.tokens import format_length
from locogym.harness.report.summary import (
    BEHAVIOUR_TITLES,
    Summary,
    fmt_degradation,
    fmt_effective,
    fmt_interval,
    higher_is_better,
    rank_labels,
    unisolated_note,
)
from locogym.scoring.paired import PairedCurve


def leaderboard_table(summary: Summary) -> Table:
    """Rank, agent, mean success with its 95% interval, solved share, episodes, tokens, cost."""
    table = Table(title="locogym leaderboard", caption="score: mean success [95% bootstrap interval]")
    paid = any(row.input_tokens or row.output_tokens or row.cost_usd for row in summary.rows)
    columns = [("#", "right"), ("agent", "left"), ("score [95% CI]", "right"), ("solved", "right"),
               ("episodes", "right")]
    if paid:  # a run of baselines only has no tokens to show
        columns += [("tokens", "right"), ("cost", "right")]
    for name, justify in columns:
        table.add_column(name, justify=justify, style="bold" if name == "agent" else None,  # type: ignore[arg-type]
                         no_wrap=name == "score [95% CI]")
    for rank, row in zip(rank_labels(summary.rows), summary.rows, strict=True):
        errored = f" [red]+{row.errored} err[/]" if row.errored else ""
        if row.incomplete:
            errored = f" [yellow]of {row.planned}, incomplete[/]" + errored
        agent = f"{row.agent} [dim](reference: saw the hidden task)[/]" if row.reference else row.agent
        cells = [rank, agent, fmt_interval(row.score), f"{row.solved:.0%}",
                 f"{row.episodes}{errored}"]
        if paid:
            cells += [f"{row.input_tokens + row.output_tokens:,}", f"${row.cost_usd:,.4f}"]
        table.add_row(*cells)
    return table


def length_table(summary: Summary) -> Table | None:
    """Each agent's paired curve pooled over envs, its effective length and its degradation (None: one length)."""
    curves = {row.agent: summary.overall_curves.get(row.agent) for row in summary.rows}
    lengths = sorted({n for c in curves.values() if isinstance(c, PairedCurve) for n in c.lengths})
    if len(summary.lengths) < 2:
        return None
    table = Table(title="score against context length (paired)",
                  caption="over the tasks each agent played at every length · ECL: longest length scoring ≥ 85% "
                          "of the shortest's · degr.: score lost from the shortest to the longest length")
    table.add_column("agent", style="bold")
    for n in lengths:
        table.add_column(format_length(n), justify="right")
    for name in ("ECL", "degr. [95% CI]", "tasks"):
        table.add_column(name, justify="right")
    for row in summary.rows:
        curve = curves[row.agent]
        if not isinstance(curve, PairedCurve):
            reason = curve.reason if curve is not None else "no scored episode"
            table.add_row(row.agent, *["–"] * len(lengths), "–", "–", Text(f"not paired: {reason}", style="dim"))
            continue
        points = dict(curve.points())
        table.add_row(row.agent, *[f"{points[n].mean:.2f}" if n in points else "–" for n in lengths],
                      fmt_effective(row.ecl), fmt_degradation(row.degradation), str(curve.tasks))
    return table


def env_table(summary: Summary) -> Table:
    """Mean success per agent and environment."""
    table = Table(title="score by environment")
    table.add_column("agent", style="bold")
    for env in summary.envs:
        table.add_column(_short_env(env), justify="right")
    for row in summary.rows:
        table.add_row(row.agent, *[f"{row.per_env[e].mean:.2f}" if e in row.per_env else "–" for e in summary.envs])
    return table


def behaviour_table(summary: Summary) -> Table | None:
    """The headline metric of each behaviour per agent (None when the run has no behaviour metrics)."""
    shown = {b: k for b, k in summary.headline_keys.items() if k}
    if not shown:
        return None
    table = Table(title="behaviours", caption=" · ".join(f"{BEHAVIOUR_TITLES[b]}: {k}" for b, k in shown.items()))
    table.add_column("agent", style="bold")
    for behaviour, key in shown.items():
        better = higher_is_better(key)
        arrow = "" if better is None else " ↑" if better else " ↓"
        table.add_column(f"{behaviour}{arrow}", justify="right")
    for row in summary.rows:
        table.add_row(row.agent, *["–" if row.behaviours.get(b) is None else f"{row.behaviours[b]:.2f}" for b in shown])
    return table


def render_leaderboard(summary: Summary) -> RenderableType:
    parts: list[RenderableType] = [leaderboard_table(summary), env_table(summary)]
    lengths = length_table(summary)
    if lengths is not None:
        parts.append(lengths)
    behaviours = behaviour_table(summary)
    if behaviours is not None:
        parts.append(behaviours)
    if summary.errored:
        parts.append(Text(f"{len(summary.errored)} errored episode(s) are not scored (rerun them with "
                          "`locogym tournament --retry-errored`).", style="red"))
    if summary.ledger_usd is not None:
        parts.append(Text(f"Spent ${summary.ledger_usd:,.4f} in this run folder (its spending ledger, every "
                          "invocation and attempt counted)."))
    if summary.truncated:
        parts.append(Text(f"{len(summary.truncated)} scored episode(s) had prompts the provider cut (it reported far "
                          "fewer prompt tokens than were sent): see report.md.", style="red"))
    if summary.refused:
        parts.append(Text(f"{len(summary.refused)} planned episode(s) were refused: their length cannot hold the "
                          "task's core (see report.md for each reason); they are left out of the paired figures.",
                          style="yellow"))
    if summary.missing:
        parts.append(Text(f"{summary.missing} planned episode(s) have no result yet (run the same command again "
                          "to finish them).", style="yellow"))
    note = unisolated_note(summary)
    if note is not None:
        parts.append(Text(note, style="bold red"))
    return Group(*parts)


def _short_env(env_id: str) -> str:
    return env_id.removeprefix("LoCo-").removesuffix("-v0")

