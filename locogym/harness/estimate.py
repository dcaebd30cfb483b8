"""What a tournament will cost before anything is spent: episodes per agent and env, tokens and dollars.

The token figure is a planning estimate, not a forecast: a model episode is assumed to take ``ASSUMED_STEPS``
steps (fewer when the step budget is lower), to carry ``PROMPT_OVERHEAD`` tokens of instructions and tool specs
on every call, and to read the task's whole target length once, spread evenly over its steps — so the context of
call *i* holds about *i/S* of the length, and the input over the episode sums to ``S·overhead + length·(S+1)/2``.
Dollars come from the price table of :mod:`locogym.agents.pricing` (models it does not know cost 0, as a local
server does). Model-free baselines cost nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rich.table import Table

from locogym.core.types import ModelUsage
from locogym.harness.schedule import BASELINE_PROVIDER, EpisodeJob

ASSUMED_STEPS = 16
PROMPT_OVERHEAD = 2_000
OUTPUT_PER_STEP = 200


@dataclass
class CellEstimate:
    """One (agent, env) cell of the schedule."""

    agent: str
    env: str
    episodes: int = 0
    pending: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = True


def episode_usage(job: EpisodeJob) -> ModelUsage:
    """The assumed token usage of one episode (zero for baselines)."""
    if job.provider == BASELINE_PROVIDER:
        return ModelUsage()
    steps = min(ASSUMED_STEPS, int(job.env_budget.get("max_steps") or ASSUMED_STEPS))
    input_tokens = steps * PROMPT_OVERHEAD + job.length * (steps + 1) // 2
    return ModelUsage(input=input_tokens, output=steps * OUTPUT_PER_STEP)


def estimate(jobs: list[EpisodeJob], pending_keys: set[str] | None = None) -> list[CellEstimate]:
    """Per (agent, env) cells in schedule order. ``pending_keys``: episodes not yet finished in the run folder."""
    from locogym.agents.pricing import PriceTable

    table = PriceTable.load()
    cells: dict[tuple[str, str], CellEstimate] = {}
    for job in jobs:
        cell = cells.setdefault((job.agent, job.env), CellEstimate(job.agent, job.env))
        cell.episodes += 1
        if pending_keys is not None and job.key not in pending_keys:
            continue
        cell.pending += 1
        usage = episode_usage(job)
        cell.input_tokens += usage.input
        cell.output_tokens += usage.output
        if job.provider != BASELINE_PROVIDER:
            price = table.lookup(job.agent_spec)
            if price is None:
                cell.priced = False
            else:
                cell.cost_usd += price.cost(usage)
    return list(cells.values())


def schedule_table(jobs: list[EpisodeJob], pending_keys: set[str] | None = None) -> Table:
    """The dry-run table: episodes per agent and env (to run / planned), estimated tokens and cost."""
    cells = estimate(jobs, pending_keys)
    envs = list(dict.fromkeys(c.env for c in cells))
    agents = list(dict.fromkeys(c.agent for c in cells))
    by_key = {(c.agent, c.env): c for c in cells}
    table = Table(title="tournament schedule (episodes to run / planned)", show_footer=True)
    table.add_column("agent", footer="total")
    totals: dict[str, int] = defaultdict(int)
    for env in envs:
        table.add_column(env.removeprefix("LoCo-").removesuffix("-v0"), justify="right")
    table.add_column("est. tokens", justify="right")
    table.add_column("est. cost", justify="right")
    grand = CellEstimate("", "")
    for agent in agents:
        row = [agent]
        tokens = cost = 0.0
        unpriced = False
        for env in envs:
            cell = by_key.get((agent, env))
            if cell is None:
                row.append("–")
                continue
            row.append(f"{cell.pending}/{cell.episodes}")
            totals[env] += cell.pending
            tokens += cell.input_tokens + cell.output_tokens
            cost += cell.cost_usd
            unpriced |= not cell.priced
            grand.pending += cell.pending
            grand.episodes += cell.episodes
            grand.input_tokens += cell.input_tokens + cell.output_tokens
            grand.cost_usd += cell.cost_usd
        row += [f"{int(tokens):,}", f"${cost:,.2f}{' + unpriced' if unpriced else ''}"]
        table.add_row(*row)
    for index, env in enumerate(envs, start=1):
        table.columns[index].footer = str(totals[env])
    table.columns[-2].footer = f"{grand.input_tokens:,}"
    table.columns[-1].footer = f"${grand.cost_usd:,.2f}"
    table.caption = (f"{grand.pending} of {grand.episodes} episodes to run. Tokens assume {ASSUMED_STEPS} steps per "
                     f"model episode reading its whole length once; baselines cost nothing.")
    return table
