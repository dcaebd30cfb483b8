"""Benchmark of the task store: what building real projects' tasks costs once, and what a reset costs after.

For each project it fills a task store (``locogym.harness.task_build``, as ``locogym tasks build`` does) with the
seeds at every length, then measures resets that read it, and plays agents on those resets. Prints one JSON
document with, per project:

* ``build_s_per_seed`` — each seed's build time, every length together (the lengths share the seed's core, which
  is validated once), as recorded in the store when the entry was built; ``build`` — statuses of this run (an
  entry already in the store is ``stored``, and keeps the time of the build that made it);
* ``reset_s`` — wall time of ``env.reset`` on a fresh env reading the store (the task looked up under its key and
  checked, the workspace loaded into the sandbox), ``--resets`` of them over the stored tasks in turn: median,
  min, max; ``make_s`` — the median of ``gym.make`` before it. A reset that had to build is an error, never timed;
* ``episodes`` — per length and agent (``oracle``, ``noop``, and with ``--heuristic`` the heuristic), the success
  and outcome of each store-backed episode, and the mean success.

Usage: ``python bench/task_store.py [--env LoCo-RepoReview-v0] [--project more-itertools --project six]
[--seeds 0-2] [--lengths 8k,32k] [--resets 10] [--jobs N] [--store DIR] [--sandbox local] [--heuristic]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym

import locogym
from locogym.harness.task_build import BuildJob, build_all, default_workers
from locogym.scenarios.defects.store import TaskStore, read_entry

DATA = Path(__file__).resolve().parent.parent / "tests" / "patch" / "data"
# The real projects the patch and review tests use; more-itertools's whole suite runs for minutes, so its tasks
# are validated on the part the grading tests use (the test command is part of every key).
PROJECTS: dict[str, tuple[Path, str | None]] = {
    "more-itertools": (DATA / "more_itertools-11.2.1.tar.gz",
                       "pytest tests/test_more.py -k 'Chunked or Windowed or Interleave or Spy or Split'"),
    "six": (DATA / "six-1.16.0.tar.gz", None),
}


def env_kwargs(project: str, sandbox: str, store: Path) -> dict[str, Any]:
    archive, command = PROJECTS[project]
    kwargs: dict[str, Any] = {"source": str(archive), "sandbox": sandbox, "task_store": str(store)}
    if command:
        kwargs["test_command"] = command
    return kwargs


def build(env_id: str, kwargs: dict[str, Any], seeds: list[int], lengths: tuple[str, ...],
          jobs: int) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Fill the store; each seed's build time is read back from its entries (all lengths summed)."""
    results = build_all([BuildJob(env_id, seed, lengths, kwargs) for seed in seeds], jobs, retries=2)
    statuses = [{"seed": r.seed, "length": r.length, "status": r.status, "attempts": r.attempts,
                 "seconds": r.seconds, "message": r.message[:300]} for r in results]
    per_seed: dict[str, float] = {}
    store = TaskStore(kwargs["task_store"])
    for path in store.entries():
        entry = read_entry(path)
        if entry.key.env_id == env_id and entry.key.seed in seeds and any(
                r.content_hash == entry.task.content_hash for r in results):
            per_seed[str(entry.key.seed)] = round(per_seed.get(str(entry.key.seed), 0.0) + entry.build_seconds, 1)
    return statuses, dict(sorted(per_seed.items(), key=lambda item: int(item[0])))


def time_resets(env_id: str, kwargs: dict[str, Any], cells: list[tuple[int, str]], count: int) -> dict[str, Any]:
    """``count`` resets of fresh envs over the stored cells in turn; each must come from the store."""
    resets, makes = [], []
    for i in range(count):
        seed, length = cells[i % len(cells)]
        started = time.perf_counter()
        env = gym.make(env_id, **kwargs)
        makes.append(time.perf_counter() - started)
        try:
            started = time.perf_counter()
            env.reset(seed=seed, options={"length": length})
            resets.append(time.perf_counter() - started)
            if env.unwrapped.last_task_origin != "store":
                raise SystemExit(f"seed {seed} at {length} was not in the store; a built reset is not timed")
        finally:
            env.close()
    return {"median": round(statistics.median(resets), 3), "min": round(min(resets), 3),
            "max": round(max(resets), 3), "n": len(resets), "make_s": round(statistics.median(makes), 3)}


def play(env_id: str, kwargs: dict[str, Any], cells: list[tuple[int, str]], agents: list[str]) -> dict[str, Any]:
    """Each agent on each stored cell; success per episode and the mean, per length."""
    out: dict[str, Any] = {}
    for agent_name in agents:
        for seed, length in cells:
            env = gym.make(env_id, **kwargs)
            try:
                trajectory = locogym.run_episode(env, locogym.make_agent(agent_name), seed=seed,
                                                 options={"length": length})
                if env.unwrapped.last_task_origin != "store":
                    raise SystemExit(f"seed {seed} at {length} was not in the store")
            finally:
                env.close()
            cell = out.setdefault(length, {}).setdefault(agent_name, {"success": [], "outcome": []})
            assert trajectory.score is not None
            cell["success"].append(round(trajectory.score.success, 4))
            cell["outcome"].append(trajectory.score.outcome)
    for per_agent in out.values():
        for cell in per_agent.values():
            cell["mean"] = round(statistics.fmean(cell["success"]), 4)
    return out


def parse_seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="LoCo-RepoReview-v0")
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS))
    parser.add_argument("--seeds", default="0-2", help="a range, e.g. 0-2")
    parser.add_argument("--lengths", default="8k,32k")
    parser.add_argument("--resets", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--store", type=Path, default=None, help="default: the user's task store")
    parser.add_argument("--sandbox", default="local")
    parser.add_argument("--heuristic", action="store_true", help="also play the heuristic agent")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    seeds, lengths = parse_seeds(args.seeds), tuple(args.lengths.split(","))
    store = TaskStore(args.store).root
    report: dict[str, Any] = {"env": args.env, "sandbox": args.sandbox, "seeds": seeds, "lengths": list(lengths),
                              "store": str(store), "projects": {}}
    for project in args.project or ["more-itertools", "six"]:
        kwargs = env_kwargs(project, args.sandbox, store)
        statuses, per_seed = build(args.env, kwargs, seeds, lengths, args.jobs or default_workers())
        cells = [(s["seed"], s["length"]) for s in statuses if s["status"] in ("built", "rebuilt", "stored")]
        entry: dict[str, Any] = {"build": statuses, "build_s_per_seed": per_seed,
                                 "build_s_per_seed_median": (round(statistics.median(per_seed.values()), 1)
                                                             if per_seed else None)}
        if cells:
            entry["reset_s"] = time_resets(args.env, kwargs, sorted(cells), args.resets)
            agents = ["oracle", "noop", *(["heuristic"] if args.heuristic else [])]
            entry["episodes"] = play(args.env, kwargs, sorted(cells), agents)
        report["projects"][project] = entry
        print(json.dumps({"done": project}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
