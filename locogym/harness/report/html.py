"""One self-contained HTML page per run: inline CSS, inline SVG charts, inline JS, and the episodes as JSON.

Nothing is fetched when the page opens (no fonts, scripts or images from anywhere), so it can be mailed,
attached to a CI run or opened offline. Long observations are cut for the page with a note saying how much was
cut; the trajectory files keep everything.
"""

from __future__ import annotations

import datetime as _dt
from html import escape
from importlib import resources
from typing import Any

import orjson

from locogym.core.tokens import format_length
from locogym.core.types import EpisodeResult, Trajectory, dumps
from locogym.harness.report.data import RunData
from locogym.harness.report.html_confidence import how_sure_card
from locogym.harness.report.summary import (
    BEHAVIOUR_TITLES,
    Curve,
    Summary,
    curve_points,
    fmt_degradation,
    fmt_effective,
    fmt_interval,
    higher_is_better,
    rank_labels,
    uninformative,
    unisolated_note,
)
from locogym.harness.report.svg import hbar_chart, interval_bar, line_chart, series_class
from locogym.scoring.paired import PairedCurve, PairedEffectiveLength

OUTPUT_CHARS = 4000  # per step observation on the page
CALL_CHARS = 2000
PROMPT_CHARS = 6000
MAX_STEPS = 300  # per episode on the page
MAX_TRAJECTORIES = 3000  # embedded step by step; the rest are listed with their file's path


def render_html(summary: Summary, run: RunData, title: str = "locogym tournament", *, redact: bool = False) -> str:
    """The whole report as one page. ``redact`` leaves out every episode's prompt, gold answer and steps (an
    oracle's steps are the solution): what a salted run publishes, since its tasks are meant to stay secret."""
    colours = {agent: i for i, agent in enumerate(summary.agents)}
    css = resources.files(__package__).joinpath("page.css").read_text()
    js = resources.files(__package__).joinpath("page.js").read_text()
    payload = _payload(summary, run, colours, redact)
    total = sum(row.episodes for row in summary.rows)
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = (f"<b>{total}</b> scored episodes · <b>{len(summary.agents)}</b> agents · <b>{len(summary.envs)}</b> envs · "
            f"lengths <b>{escape(', '.join(format_length(n) for n in summary.lengths))}</b>"
            + (f" · sandbox <b>{escape(summary.sandbox)}</b>" if summary.sandbox else "") + f" · generated {generated}")
    body = [
        f'<header class="top"><h1>{escape(title)}</h1><div class="meta">{meta}</div></header>',
        '<nav class="tabs"><a href="#how-sure">How sure</a><a href="#leaderboard">Leaderboard</a>'
        '<a href="#lengths">Context length</a><a href="#ecl">Effective length</a>'
        '<a href="#behaviours">Behaviours</a><a href="#usage">Tokens &amp; cost</a>'
        '<a href="#episodes">Episodes</a></nav>',
        "<main>", _banners(summary, redact), how_sure_card(summary.confidence, summary.agents),
        _leaderboard(summary, colours), _length_curves(summary, colours),
        _ecl(summary, colours), _behaviours(summary, colours), _usage(summary, colours), _browser(),
        "</main>", '<footer>locogym · every number on this page comes from the run folder\'s episodes.jsonl and '
        "trajectories</footer>",
    ]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{css}</style></head><body>" + "\n".join(body)
            + f'<script type="application/json" id="run-data">{payload}</script><script>{js}</script></body></html>\n')


def _swatch(agent: str, colours: dict[str, int]) -> str:
    return f'<span class="swatch {series_class(colours[agent])}"></span>{escape(agent)}'


def _banners(summary: Summary, redact: bool = False) -> str:
    parts = []
    if redact:
        parts.append('<div class="banner">This run\'s tasks were generated with a secret seed salt: this page shows no '
                     "prompt, gold answer or step of any episode. The full page is <code>report-private.html</code> in "
                     "the run folder; keep it with the salt.</div>")
    note = unisolated_note(summary)
    if note is not None:
        parts.append(f'<div class="banner bad">{escape(note)}</div>')
    if summary.errored:
        parts.append(f'<div class="banner bad"><b>{len(summary.errored)}</b> episode(s) errored (provider, sandbox or '
                     "env failures). They are not scored; rerun them with <code>locogym tournament --retry-errored"
                     "</code>. Filter the episode browser by <i>errored</i> to read why.</div>")
    if summary.truncated:
        parts.append(f'<div class="banner bad"><b>{len(summary.truncated)}</b> scored episode(s) had prompts the '
                     "provider cut: it reported far fewer prompt tokens than were sent, so those scores may not "
                     "reflect the whole context.</div>")
    if summary.refused:
        reasons = sorted({(r.error or "")[:200] for r in summary.refused})
        parts.append(f'<div class="banner warn"><b>{len(summary.refused)}</b> planned episode(s) were refused: the '
                     "length cannot hold the task's core, so nothing was played (they are left out of the paired "
                     "figures). " + "; ".join(escape(r) for r in reasons[:3])
                     + (f" (and {len(reasons) - 3} more reasons in report.md)" if len(reasons) > 3 else "") + "</div>")
    if summary.missing:
        parts.append(f'<div class="banner warn"><b>{summary.missing}</b> planned episode(s) have no result yet: the '
                     "run was interrupted or is still going. Run the same command again to finish it.</div>")
    return "".join(parts)


def _leaderboard(summary: Summary, colours: dict[str, int]) -> str:
    head = ('<tr><th class="rank">#</th><th>agent</th><th>score</th><th class="num">mean [95% CI]</th>'
            '<th class="num">solved</th>' + "".join(f'<th class="num">{escape(_short(e))}</th>' for e in summary.envs)
            + '<th class="num">ECL</th><th class="num">degradation</th><th class="num">episodes</th></tr>')
    rows = []
    for rank, row in zip(rank_labels(summary.rows), summary.rows, strict=True):
        scored = row.episodes > 0
        reference = ' <span class="ci">(reference: saw the hidden task)</span>' if row.reference else ""
        cells = [f'<td class="rank">{rank}</td>', f'<td class="agent">{_swatch(row.agent, colours)}{reference}</td>',
                 f"<td>{interval_bar(row.score, series_class(colours[row.agent])) if scored else ''}</td>",
                 f'<td class="num">{row.score.mean:.3f} '
                 f'<span class="ci">[{row.score.low:.2f}, {row.score.high:.2f}]</span></td>'
                 if scored else '<td class="num ci">no scored episode</td>',
                 f'<td class="num">{row.solved:.0%}</td>' if scored else '<td class="num">–</td>']
        for env in summary.envs:
            iv = row.per_env.get(env)
            cells.append(f'<td class="num" title="{escape(fmt_interval(iv, 3)) if iv else ""}">'
                         + (f'{iv.mean:.2f} <span class="ci">n={iv.n}</span>' if iv else "–") + "</td>")
        cells.append(f'<td class="num">{_ecl_text(row.ecl)}</td>')
        cells.append(f'<td class="num">{escape(fmt_degradation(row.degradation))}</td>')
        errored = f' <span class="pill bad">+{row.errored} errored</span>' if row.errored else ""
        if row.incomplete:
            errored = f' <span class="pill bad">of {row.planned} planned, incomplete</span>' + errored
        cells.append(f'<td class="num">{row.episodes}{errored}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<section class="card" id="leaderboard"><h2>Leaderboard</h2><p class="lead">Mean task success over '
            "every scored episode, with a 95% bootstrap interval (the whisker). Per-environment columns are means; "
            "hover for their intervals. Errored episodes are infrastructure failures and are not scored.</p>"
            f'<table class="leaderboard"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></section>')


def _legend(summary: Summary, colours: dict[str, int]) -> str:
    return '<div class="legend">' + "".join(f"<span>{_swatch(a, colours)}</span>" for a in summary.agents) + "</div>"


def _length_curves(summary: Summary, colours: dict[str, int]) -> str:
    panels = [("all environments", summary.overall_curves), *summary.curves.items()]
    charts, hidden, unpaired = [], [], []
    for title, curves in panels:
        series = {agent: curve_points(curve) for agent, curve in curves.items()}
        unpaired += [f"{title} · {agent}: {curve.reason}" for agent, curve in curves.items()
                     if not isinstance(curve, PairedCurve)]
        if not any(series.values()):
            continue
        if uninformative(series):
            hidden.append(title)
        else:
            charts.append(line_chart(series, colours, summary.lengths, title, width=560, height=300)
                          + _drops_table(curves, colours))
    note = (f'<p class="note">Not drawn: {escape(", ".join(hidden))}. Every interval with any spread there covers '
            "nearly the whole 0–1 range, so the lines would say nothing; run more seeds (--seeds) to narrow them."
            "</p>" if hidden else "")
    if unpaired:
        note += ('<p class="note">No paired curve for: ' + "; ".join(escape(u) for u in unpaired[:12])
                 + (f" (and {len(unpaired) - 12} more)" if len(unpaired) > 12 else "") + ".</p>")
    return ('<section class="card" id="lengths"><h2>Score against context length (paired)</h2><p class="lead">Mean '
            "success at each length over the tasks the agent played at <i>every</i> length: the same task (the "
            "same core) with a larger context, so a falling line is the effect of length, not of harder tasks. "
            "The shaded band is a 95% interval over resampled tasks; under each chart, the paired drop from the "
            "shortest to the longest length.</p>" + _legend(summary, colours)
            + f'<div class="grid-charts">{"".join(charts)}</div>{note}{_depths(summary, colours)}</section>')


def _drops_table(curves: dict[str, Curve], colours: dict[str, int]) -> str:
    """Under a chart: each agent's degradation, the tasks that fell and rose, and how many tasks the line is over."""
    rows = []
    for agent, curve in curves.items():
        if isinstance(curve, PairedCurve):
            d = curve.degradation
            rows.append(f'<tr><td class="agent">{_swatch(agent, colours)}</td>'
                        f'<td class="num">{escape(fmt_degradation(d))}</td><td class="num">{d.worse} / {d.better}</td>'
                        f'<td class="num">{d.p_value:.2g}</td><td class="num">{curve.tasks}'
                        + (f' <span class="ci">+{curve.incomplete} partial</span>' if curve.incomplete else "")
                        + "</td></tr>")
    return ('<table class="drops"><tr><th>agent</th><th class="num">degradation [95% CI]</th>'
            '<th class="num">fell / rose</th><th class="num">sign test p</th><th class="num">tasks</th></tr>'
            + "".join(rows) + "</table>")


def _depths(summary: Summary, colours: dict[str, int]) -> str:
    if not summary.depths:
        return ""
    body = "".join(f'<tr><td class="agent">{_swatch(agent, colours)}</td>' + "".join(
        f'<td class="num" title="{escape(fmt_interval(iv, 3))}">{iv.mean:.2f} <span class="ci">n={iv.n}</span></td>'
        if iv.n else '<td class="num">–</td>' for iv in (bins[b] for b in ("start", "middle", "end"))) + "</tr>"
        for agent in summary.agents if (bins := summary.depths.get(agent)))
    return ('<h3>Score by evidence depth</h3><p class="lead">Where the evidence the answer rests on sat in the '
            "context (thirds of it); mean success over tasks.</p><table><tr><th>agent</th><th class=\"num\">start"
            '</th><th class="num">middle</th><th class="num">end</th></tr>' + body + "</table>")


def _ecl(summary: Summary, colours: dict[str, int]) -> str:
    rows: list[tuple[str, float | None, str]] = []
    for row in summary.rows:
        if row.ecl is None or row.ecl.effective is None:
            rows.append((row.agent, None, "no paired score above 0 at the shortest length"))
        else:
            label = fmt_effective(row.ecl) + (f" · below at {format_length(row.ecl.first_below)}"
                                               if row.ecl.first_below else " · holds throughout")
            rows.append((row.agent, float(row.ecl.effective), label))
    chart = hbar_chart(rows, colours, "effective context length", maximum=float(max(summary.lengths or [1])),
                       log2=True, width=1180, row_h=28,
                       note="longest length with score ≥ 85% of the agent's "
                            f"{format_length(min(summary.lengths or [0]))} score")
    head = "<tr><th>agent</th>" + "".join(f'<th class="num">{escape(_short(e))}</th>' for e in summary.envs) + "</tr>"
    body = "".join(f'<tr><td class="agent">{_swatch(row.agent, colours)}</td>' + "".join(
        f'<td class="num">{_ecl_text(summary.ecl_by_env.get((row.agent, env)))}</td>'
        for env in summary.envs) + "</tr>" for row in summary.rows)
    return ('<section class="card" id="ecl"><h2>Effective context length (paired)</h2><p class="lead">How far each '
            "agent can go before its score, over the tasks it played at every length, drops below 85% of its score "
            "on the same tasks at the shortest length — measured only up to the longest length in this run "
            f"({format_length(max(summary.lengths or [0]))}); the interval resamples tasks. The chart pools every "
            "environment on the lengths they share; the table gives each one (a dash: nothing to pair, or no score "
            f"at the shortest length).</p>{chart}"
            f'<table class="ecl-table">{head}{body}</table></section>')


def _behaviours(summary: Summary, colours: dict[str, int]) -> str:
    charts = [_behaviour_chart(summary, colours, behaviour, key) for behaviour, key in summary.headline_keys.items()]
    return ('<section class="card" id="behaviours"><h2>Behaviours</h2><p class="lead">The four behaviours, computed '
            "from recorded events, each as one number that separates the baselines: cascading errors (share of "
            "episodes with no erroneous step; cascade rates and chains are in the table below), early stopping "
            "(stops right after all evidence was seen), tool efficiency (steps against the oracle plan, for solved "
            "episodes) and long-horizon consistency (probe answers true to the world across sessions). Means over "
            "scored episodes.</p>"
            f'<div class="grid-charts">{"".join(charts)}</div>{_behaviour_table(summary, colours)}</section>')


def _behaviour_chart(summary: Summary, colours: dict[str, int], behaviour: str, key: str | None) -> str:
    """One behaviour's headline per agent, with which way is better and how many episodes measured it."""
    title = BEHAVIOUR_TITLES[behaviour]
    if key is None:
        return hbar_chart([(r.agent, None, "not measured in this run (no task with probes)") for r in summary.rows],
                          colours, title, width=560)
    values = [(r.agent, r.behaviours.get(behaviour)) for r in summary.rows]
    top = max([v for _, v in values if v is not None] + [1.0])
    better = higher_is_better(key)
    direction = "" if better is None else "higher is better" if better else "lower is better"
    counts = {a: summary.metric_counts.get(a, {}).get(key, 0) for a, _ in values}
    return hbar_chart([(a, v, "n/a" if v is None else f"{v:.3f} (n={counts[a]})") for a, v in values],
                      colours, f"{title}: {key}", maximum=top, note=direction, width=560)


def _behaviour_table(summary: Summary, colours: dict[str, int]) -> str:
    """Every behaviour metric's mean per agent, folded away (empty when none was measured)."""
    detail_keys = sorted({k for means in summary.metrics.values() for k in means
                          if k.split(".")[0] in BEHAVIOUR_TITLES})
    if not detail_keys:
        return ""
    head = "<tr><th>metric</th>" + "".join(
        f'<th class="num">{_swatch(a, colours)}</th>' for a in summary.agents) + "</tr>"
    body = "".join("<tr><td><code>" + escape(k) + "</code></td>" + "".join(
        f'<td class="num">{summary.metrics[a][k]:.3f} '
        f'<span class="ci">n={summary.metric_counts[a].get(k, 0)}</span></td>'
        if k in summary.metrics[a] else '<td class="num">–</td>'
        for a in summary.agents) + "</tr>" for k in detail_keys)
    return f"<details><summary>every behaviour metric (means)</summary><table>{head}{body}</table></details>"


def _usage(summary: Summary, colours: dict[str, int]) -> str:
    token_rows = [(r.agent, float(r.input_tokens + r.output_tokens) or None,
                   f"{r.input_tokens + r.output_tokens:,} tok" if r.input_tokens + r.output_tokens
                   else "no model tokens")
                  for r in summary.rows]
    cost_rows = [(r.agent, r.cost_usd or None, f"${r.cost_usd:,.4f}" if r.cost_usd else "free") for r in summary.rows]
    head = ('<tr><th>agent</th><th class="num">episodes</th><th class="num">mean steps</th>'
            '<th class="num">input tok</th><th class="num">output tok</th><th class="num">cost</th>'
            '<th class="num">cost / solved</th><th class="num">episode time</th></tr>')
    rows = []
    for r in summary.rows:
        solved = round(r.solved * r.episodes)
        per_solved = f"${r.cost_usd / solved:,.4f}" if solved and r.cost_usd else "–"
        rows.append(f'<tr><td class="agent">{_swatch(r.agent, colours)}</td><td class="num">{r.episodes}</td>'
                    f'<td class="num">{r.steps:.1f}</td><td class="num">{r.input_tokens:,}</td>'
                    f'<td class="num">{r.output_tokens:,}</td><td class="num">${r.cost_usd:,.4f}</td>'
                    f'<td class="num">{per_solved}</td><td class="num">{r.wall_time_s:,.1f} s</td></tr>')
    paid = any(r.input_tokens or r.output_tokens or r.cost_usd for r in summary.rows)
    charts = (hbar_chart(token_rows, colours, "model tokens", width=560)
              + hbar_chart(cost_rows, colours, "cost (USD)", width=560)) if paid else \
        '<p class="ci">No model was called in this run: its agents are all model-free baselines.</p>'

    return ('<section class="card" id="usage"><h2>Tokens and cost</h2><p class="lead">As the providers reported them, '
            "summed over scored episodes. Baselines use no model.</p>"
            f'<div class="grid-charts">{charts}</div><table>{head}{"".join(rows)}</table></section>')


def _browser() -> str:
    return ('<section class="card" id="episodes"><h2>Episodes</h2><p class="lead">Pick an episode, then read its '
            "trajectory step by step (◀ ▶ or the arrow keys; the coloured squares jump to a step: red an error, amber "
            'a step the env marked wrong, green the submit).</p><div id="browser"><div>'
            '<div class="filters"><select id="f-agent"><option value="">all agents</option></select>'
            '<select id="f-env"><option value="">all envs</option></select>'
            '<select id="f-status"><option value="">any result</option><option value="solved">solved</option>'
            '<option value="failed">failed</option><option value="errored">errored</option></select>'
            '<input id="f-text" placeholder="search key, outcome, error"></div>'
            '<div class="ci" id="ep-count"></div><div id="episode-list"></div></div>'
            '<div id="episode-view"><p class="ci">Pick an episode.</p></div></div></section>')


def _payload(summary: Summary, run: RunData, colours: dict[str, int], redact: bool) -> str:
    order = {agent: i for i, agent in enumerate(summary.agents)}
    results = sorted(run.results, key=lambda r: (r.env, order.get(r.agent, 99), r.length, r.seed))
    cells = {(r.agent, r.env) for r in results}
    per_cell = max(5, MAX_TRAJECTORIES // max(1, len(cells)))  # a big run keeps every agent and env readable
    embedded: dict[tuple[str, str], int] = {}
    episodes = []
    for result in results:
        cell = (result.agent, result.env)
        embedded[cell] = embedded.get(cell, 0) + 1
        episodes.append(_episode(result, run, colours, with_steps=not redact and embedded[cell] <= per_cell))
    data = {"agents": summary.agents, "envs": summary.envs, "episodes": episodes}
    raw = orjson.dumps(data).decode()
    return raw.replace("<", "\\u003c")  # no "</script>" or "<!--" can end the data block: "<" only occurs in strings


def _episode(result: EpisodeResult, run: RunData, colours: dict[str, int], with_steps: bool) -> dict[str, Any]:
    trajectory = None
    if with_steps:
        try:
            trajectory = run.trajectory(result)
        except Exception:  # noqa: BLE001 - a damaged trajectory must not cost the whole report
            trajectory = None
    score = result.score
    return {
        "key": result.key, "agent": result.agent, "env": result.env, "length": result.length, "seed": result.seed,
        "status": result.status, "error": result.error, "termination": result.termination,
        "success": score.success if score else 0.0, "outcome": score.outcome if score else "errored",
        "metrics": {k: v for k, v in (score.metrics if score else {}).items()},
        "labels": dict(score.labels) if score else {}, "steps_n": result.steps,
        "tokens": result.usage.total_tokens, "cost": result.usage.cost_usd, "wall": result.wall_time_s,
        "colour": colours.get(result.agent, 0) % 10,
        "task_id": trajectory.task.task_id if trajectory and trajectory.task else "",
        "trajectory": _trajectory(trajectory) if trajectory else None,
        "file": result.trajectory_path, "embedded": with_steps,
    }


def _trajectory(trajectory: Trajectory) -> dict[str, Any]:
    task = trajectory.task
    steps = []
    for step in trajectory.steps[:MAX_STEPS]:
        output = step.result.output
        call = (f"{step.call.name}({dumps(step.call.arguments).decode()})" if step.call is not None
                else f"unreadable action: {dumps(step.action_raw).decode()}")
        steps.append({
            "i": step.index, "s": step.session, "name": step.call.name if step.call else "(parse error)",
            "call": _cut(call, CALL_CHARS), "out": output[:OUTPUT_CHARS],
            "cut": max(0, len(output) - OUTPUT_CHARS), "err": step.result.error.value if step.result.error else None,
            "submit": bool(step.result.data.get("submitted")) and step.result.error is None,
            "obs": step.obs_tokens, "ctx": step.context_tokens, "ms": round(step.latency_ms, 1),
            "ev": step.evidence_seen, "ann": step.annotations,
            "usage": f"{step.usage.input:,} in / {step.usage.output:,} out" if step.usage else None,
        })
    gold = None
    if task is not None and task.gold is not None:
        gold = _cut(orjson.dumps(task.gold, option=orjson.OPT_INDENT_2).decode(), CALL_CHARS)
    return {"prompt": _cut(task.prompt, PROMPT_CHARS) if task else "", "gold": gold, "steps": steps,
            "more_steps": max(0, len(trajectory.steps) - MAX_STEPS)}


def _cut(text: str, limit: int) -> str:
    return (text if len(text) <= limit
            else text[:limit] + f"\n… [{len(text) - limit} more characters in the trajectory file]")


def _short(env_id: str) -> str:
    return env_id.removeprefix("LoCo-").removesuffix("-v0")


def _ecl_text(found: PairedEffectiveLength | None) -> str:
    if found is None or found.effective is None:
        return "–"
    text = escape(fmt_effective(found))
    return text + (f' <span class="ci">&lt;{format_length(found.first_below)}</span>' if found.first_below else "")
