"""The "How sure are we" card of the HTML report: the first thing a reader sees, before the leaderboard."""

from __future__ import annotations

from html import escape

from locogym.harness.report.confidence import Confidence
from locogym.harness.report.summary import fmt_interval, fmt_signed


def how_sure_card(found: Confidence | None, agents: list[str]) -> str:
    if found is None:
        return ""
    parts = ['<section class="card" id="how-sure"><h2>How sure are we</h2>',
             "<ul>" + "".join(f"<li>{escape(text)}</li>" for text in found.findings) + "</ul>"]
    if found.reliability:
        parts.append(_reliability(found, agents))
    if found.pairs:
        parts += [_pairwise(found, agents), _tasks_needed(found)]
    if len(found.ratings) > 1:
        parts.append(_ratings(found))
    return "".join(parts) + "</section>"


def _reliability(found: Confidence, agents: list[str]) -> str:
    rows = []
    for agent in agents:
        for (who, env), rel in found.reliability.items():
            if who != agent:
                continue
            flip = "–" if rel.flip_interval is None else (
                f"{rel.flip_interval.mean:.0%} <span class=\"ci\">[{rel.flip_interval.low:.0%}, "
                f"{rel.flip_interval.high:.0%}] n={rel.flip_tasks}</span>")
            rows.append(f"<tr><td>{escape(agent)}</td><td>{escape(env)}</td><td class=\"num\">{rel.tasks}</td>"
                        f"<td class=\"num\">{rel.k}</td>"
                        f"<td class=\"num\">{escape(fmt_interval(rel.pass_hat_k))}</td>"
                        f"<td class=\"num\">{escape(fmt_interval(rel.pass_at_k))}</td>"
                        f"<td class=\"num\">{flip}</td></tr>")
    return (f"<h3>Reliability over trials</h3><p class=\"lead\">Up to {found.trials} trial(s) per task. "
            "pass^k: all k trials pass; pass@k: at least one does; flip rate: share of tasks whose trials "
            "disagree. Intervals resample tasks.</p><table><thead><tr><th>agent</th><th>env</th>"
            '<th class="num">tasks</th><th class="num">k</th><th class="num">pass^k [95% CI]</th>'
            '<th class="num">pass@k [95% CI]</th><th class="num">flip rate</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _pairwise(found: Confidence, agents: list[str]) -> str:
    """The upper triangle of row-minus-column differences, bold where the pair is really apart."""
    ranked = [a for a in agents if any(a in pair for pair in found.pairs)]
    head = "<tr><th></th>" + "".join(f'<th class="num">{escape(b)}</th>' for b in ranked[1:]) + "</tr>"
    body = []
    for i, a in enumerate(ranked[:-1]):
        cells = []
        for j, b in enumerate(ranked[1:], start=1):
            pair = found.pairs.get((a, b))
            if j <= i or pair is None:
                cells.append("<td></td>")
                continue
            text = f"{escape(fmt_signed(pair.difference))} <span class=\"ci\">n={pair.tasks}</span>"
            cells.append(f'<td class="num">{"<b>" + text + "</b>" if pair.separated else text}</td>')
        body.append(f"<tr><th>{escape(a)}</th>{''.join(cells)}</tr>")
    return ("<h3>Pairwise significance</h3><p class=\"lead\">Row minus column: mean per-task difference in "
            "success on the tasks both played, with a paired bootstrap 95% interval; bold when the interval "
            "leaves out zero and the exact sign test clears 5% after Holm's correction over the pairs. The "
            f"reference is compared with no one.</p><table><thead>{head}</thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _tasks_needed(found: Confidence) -> str:
    needed = []
    for (a, b), pair in found.pairs.items():
        count = "∞" if pair.tasks_needed is None else str(pair.tasks_needed)
        needed.append(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td><td class=\"num\">{pair.tasks}</td>"
                      f"<td class=\"num\">{pair.a_better} / {pair.b_better}</td>"
                      f"<td class=\"num\">{pair.sign_p:.3g}</td><td class=\"num\">{pair.p_value:.3g}</td>"
                      f"<td class=\"num\">{count}</td></tr>")
    return ("<h3>Tasks needed to separate each pair</h3><p class=\"lead\">Tasks the exact sign test needs "
            "to tell the two apart with 80% power at 5% two-sided, if the shares of tasks they differ on "
            "and of those each wins held (never fewer than 6); ∞ when neither wins more shared tasks."
            "</p><table><thead><tr><th>agent</th><th>against</th>"
            '<th class="num">shared tasks</th><th class="num">better / worse on</th>'
            '<th class="num">sign test p</th><th class="num">Holm p</th><th class="num">tasks needed</th>'
            '</tr></thead><tbody>'
            + "".join(needed) + "</tbody></table>")


def _ratings(found: Confidence) -> str:
    rows = [f"<tr><td>{escape(agent)}</td><td class=\"num\">{r.mean:.0f} "
            f"<span class=\"ci\">[{r.low:.0f}, {r.high:.0f}]</span></td><td class=\"num\">{r.n}</td></tr>"
            for agent, r in sorted(found.ratings.items(), key=lambda item: -item[1].mean)]
    return ("<h3>Bradley-Terry ratings</h3><p class=\"lead\">Fitted to per-task wins between every pair of "
            "agents (ties count half); Elo scale centred on 1000, 95% interval from resampled tasks.</p>"
            '<table><thead><tr><th>agent</th><th class="num">rating [95% CI]</th>'
            '<th class="num">tasks</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
