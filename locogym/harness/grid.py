"""A run's planned grid, sealed in ``tournament.json``, and the check that its rows are exactly that grid.

Re-grading every recorded row proves each row honest, not that the rows are all there: dropping an agent's failed
episodes, or copying a passed trial under a made-up key, leaves every remaining row re-grading to itself. The
tournament therefore writes its plan (the config and every episode key it expands to) with a seal, an HMAC of
the plan under the run's seal key (:func:`locogym.core.salt.seal_key`), and ``locogym score`` checks that:

* the plan is there and its seal holds (with a secret salt only its holder could re-seal an edited plan; without
  one the key is public, and the seal only shows the file was not edited by accident);
* the plan's key list is what its config expands to (every key recomputed from agents, envs, lengths, depths,
  seeds and trials);
* every planned episode has a row, no row sits outside the plan, and each row's agent, env, seed, length and trial
  are those of the planned episode its key names.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from locogym.core.types import EpisodeResult

SEAL_FIELD = "seal"


@dataclass(frozen=True)
class GridProblem:
    """One way the rows differ from the sealed plan."""

    what: str  # plan | seal | keys | missing | extra | mismatch
    detail: str


def plan_seal(plan: Mapping[str, Any], key: bytes) -> str:
    """The HMAC-SHA256 of the plan without its seal, over canonical JSON (sorted keys)."""
    body = {k: v for k, v in plan.items() if k != SEAL_FIELD}
    return hmac.new(key, orjson.dumps(body, option=orjson.OPT_SORT_KEYS), hashlib.sha256).hexdigest()


def check_grid(plan: Mapping[str, Any] | None, rows: list[EpisodeResult], key: bytes) -> list[GridProblem]:
    """Every way ``rows`` (the latest row of each key) differ from the sealed ``plan``; empty when they match.

    Raises:
        ConfigError: the plan's config no longer builds (for example an env of an unimported plug-in).
    """
    from locogym.harness.schedule import build_config
    from locogym.harness.schedule import plan as expand

    if plan is None:
        return [GridProblem("plan", "tournament.json is missing: nothing says which episodes were planned")]
    problems = []
    seal = plan.get(SEAL_FIELD)
    if not isinstance(seal, str) or not hmac.compare_digest(seal, plan_seal(plan, key)):
        problems.append(GridProblem("seal", "tournament.json's seal does not hold: the plan was edited after the "
                                            "run wrote it, or it was sealed with another salt"))
    listed = set(plan.get("keys") or [])
    if plan.get("grid") == "explicit":  # episodes handed in by their caller (an arena): only the sealed list says
        jobs = {}
        planned = listed
    else:
        jobs = {job.key: job for job in expand(build_config(dict(plan.get("config") or {})))}
        planned = set(jobs)
        if listed != planned:
            problems.append(GridProblem("keys", f"tournament.json lists {len(listed)} keys, its config makes "
                                                f"{len(jobs)}; {len(listed - planned)} listed key(s) are not in the "
                                                f"grid and {len(planned - listed)} of the grid are not listed"))
    seen = {row.key for row in rows}
    for key_ in sorted(planned - seen):
        job = jobs.get(key_)
        where = f"{job.agent} on {job.env}, seed {job.seed}, length {job.length}, trial {job.trial}" if job else key_
        problems.append(GridProblem("missing", f"{where}: planned, no row"))
    for row in rows:
        if row.key not in planned:
            problems.append(GridProblem("extra", f"row {row.key[:12]} ({row.agent} on {row.env}, seed {row.seed}, "
                                                 f"trial {row.trial}) is not an episode of the plan"))
            continue
        job = jobs.get(row.key)
        if job is None:
            continue
        recorded = (row.agent, row.env, row.seed, row.length, row.trial)
        expected = (job.agent, job.env, job.seed, job.length, job.trial)
        if recorded != expected:
            problems.append(GridProblem("mismatch", f"row {row.key[:12]} records {recorded}, its key is the "
                                                    f"planned {expected}"))
    return problems
