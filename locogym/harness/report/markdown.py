"""The Markdown summary: the leaderboard and the main figures as tables, for a pull request or a notebook."""

from __future__ import annotations

from locogym.core.tokens import format_length
from locogym.harness.report.summary import (
    BEHAVIOUR_TITLES,
    Summary,
    fmt_interval,
    rank_labels,
    unisolated_note,
)


def render_markdown(summary: Summary, title: str = "locogym tournament") -> str:
    lines = [f"# {title}", ""]
    total = sum(row.episodes for row in summary.rows)
    lines.append(f"{total} scored episodes · {len(summary.agents)} agents · {len(summary.envs)} envs · lengths "
                 f"{', '.join(format_length(n) for n in summary.lengths)}"
                 + (f" · sandbox {summary.sandbox}" if summary.sandbox else "") + ".")
    if summary.errored:
        lines.append(f"{len(summary.errored)} episode(s) errored (infrastructure, not scored).")
    if summary.missing:
        lines.append(f"{summary.missing} planned episode(s) have no result yet.")
    note = unisolated_note(summary)
    if note is not None:
        lines.append(f"**{note}**")
    lines += ["", "## Leaderboard", "",
              "| # | agent | score [95% CI] | solved | ECL | episodes | tokens | cost |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for rank, row in zip(rank_labels(summary.rows), summary.rows, strict=True):
        ecl = "–" if row.ecl is None else format_length(row.ecl) + (
            f" (< {format_length(row.ecl_first_below)})" if row.ecl_first_below else "")
        agent = f"{row.agent} (reference: saw the hidden task)" if row.reference else row.agent
        lines.append(f"| {rank} | {_cell(agent)} | {fmt_interval(row.score)} | {row.solved:.0%} | {ecl} | "
                     f"{row.episodes}{f' (+{row.errored} errored)' if row.errored else ''} | "
                     f"{row.input_tokens + row.output_tokens:,} | ${row.cost_usd:,.4f} |")
    lines += ["", "## Score by environment", "",
              "| agent | " + " | ".join(summary.envs) + " |", "|---|" + "---:|" * len(summary.envs)]
    for row in summary.rows:
        lines.append(f"| {_cell(row.agent)} | " + " | ".join(
            fmt_interval(row.per_env[e]) if e in row.per_env else "–" for e in summary.envs) + " |")
    lines += ["", "## Score against context length", ""]
    for env, per_agent in summary.curves.items():
        lines += [f"### {env}", "", "| agent | " + " | ".join(format_length(n) for n in summary.lengths) + " |",
                  "|---|" + "---:|" * len(summary.lengths)]
        for agent in summary.agents:
            points = dict(per_agent.get(agent, []))
            lines.append(f"| {_cell(agent)} | " + " | ".join(
                fmt_interval(points[n]) if n in points else "–" for n in summary.lengths) + " |")
        lines.append("")
    keys = {b: k for b, k in summary.headline_keys.items() if k}
    if keys:
        lines += ["## Behaviours", "", "| agent | " + " | ".join(f"{BEHAVIOUR_TITLES[b]} (`{k}`)"
                                                                 for b, k in keys.items()) + " |",
                  "|---|" + "---:|" * len(keys)]
        for row in summary.rows:
            lines.append(f"| {_cell(row.agent)} | " + " | ".join(
                "–" if row.behaviours.get(b) is None else f"{row.behaviours[b]:.3f}" for b in keys) + " |")
        lines.append("")
    if summary.calibration:
        lines += ["## Calibration", "", "Answers that stated a confidence; lower is better (see docs/scoring.md).", "",
                  "| agent | answers with confidence | ECE | Brier |", "|---|---:|---:|---:|"]
        for agent, found in summary.calibration.items():
            lines.append(f"| {_cell(agent)} | {found.answers} of {found.episodes} | {found.ece:.3f} | "
                         f"{found.brier:.3f} |")
        lines.append("")
    if summary.errored:
        lines += ["## Errored episodes", "", "| agent | env | length | seed | error |", "|---|---|---:|---:|---|"]
        for result in summary.errored[:50]:
            lines.append(f"| {_cell(result.agent)} | {result.env} | {format_length(result.length)} | {result.seed} | "
                         f"{_cell((result.error or '')[:160])} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
