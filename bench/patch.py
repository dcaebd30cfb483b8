"""Benchmark of LoCo-RepoPatch: what a validated defect costs, and what grading an episode costs.

Prints one JSON document:

* ``candidates_per_kept_defect`` — candidates tried (sent to the tests) per defect kept, median over tasks;
* ``validation_s_per_kept_defect`` — wall time of validation (baseline run, screening, confirmation) per kept
  defect, cold cache, median over tasks;
* ``validation_s_cached`` — the same generation again with the cache warm (median), i.e. the price of a re-run;
* ``grading_s_per_episode`` — wall time of grading one oracle episode as the env does it once the task's
  differential reference is kept (fresh sandbox, every fail-to-pass and pass-to-pass test over the sealed
  channel, the patched function's answers in a process of its own), median over episodes: what every grading
  of a task after its first costs (another agent, a re-grade);
* ``grading_s_first_of_task`` — the task's first grading, which also makes the reference on the pristine
  project (median);
* ``grading_s_tests_only`` — the same episodes graded by tests alone, for comparison: one plain run of those
  tests in a fresh sandbox (uncached), no differential; ``grading_ratio`` and ``grading_ratio_first_of_task``
  are the two gradings over this (the issue's budget is 2);
* ``differential_checked_share`` — share of defects the differential oracle could judge, and why the others
  were not (``unverified``);
* discard reasons, the backend, the sources measured.

Usage: ``python bench/patch.py [--sandbox docker] [--seeds 5] [--length 8k] [--source synthetic]``, or cells
side by side in one run: ``python bench/patch.py --seeds 3 --cell docker:synthetic:8k --cell local:six:8k``
(``six`` names the bundled six archive).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import gymnasium as gym

import locogym
from locogym.core import tokens
from locogym.core.types import EpisodeScore
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.gold import PatchGold
from locogym.scenarios.defects.mutations import is_test_path
from locogym.scenarios.defects.suite import Suite


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


def _ratio(values: list[float], baseline: list[float]) -> float | None:
    return round(statistics.median(values) / statistics.median(baseline), 2) if values and baseline else None


def measure(source: str, sandbox: str, seeds: int, length: int) -> dict[str, object]:
    tried, per_defect, cached, grading, first, plain, checked, discards = [], [], [], [], [], [], [], {}
    unchecked: list[str] = []
    with tempfile.TemporaryDirectory() as cache_dir:
        env = gym.make("LoCo-RepoPatch-v0", sandbox=sandbox, source=source, cache_dir=cache_dir)
        base = env.unwrapped
        try:
            for seed in range(seeds):
                config = base.make_config(seed, {"length": length})
                started = time.perf_counter()
                task = base.generate(config)
                elapsed = time.perf_counter() - started
                injection = base.last_injection
                kept = len(injection.defects)
                tried.append(injection.tried / kept)
                per_defect.append(elapsed / kept)
                for discard in injection.discarded:
                    discards[discard.reason] = discards.get(discard.reason, 0) + 1
                started = time.perf_counter()
                again = base.generate(config)
                cached.append(time.perf_counter() - started)
                assert again.model_dump() == task.model_dump(), "the cached task differs"
                base.run_cache().enabled = False  # grade for real: no cached test run
                trajectory = locogym.run_episode(env, locogym.make_agent("oracle"), seed=seed,
                                                 options={"length": length})
                score, seconds = _grade_twice(base, trajectory)
                first.append(seconds[0])
                plain.append(seconds[1])
                grading.append(seconds[2])
                base.run_cache().enabled = True
                assert score.success == 1.0, score
                checked.append(score.metrics["integrity.defects_checked"] / len(task.gold["defects"]))
                unchecked += [f"{d['function']}: cannot be rebuilt alone" for d in task.gold["defects"]
                              if d.get("original") is None]
                if score.labels.get("unverified"):
                    unchecked.append(score.labels["unverified"])
        finally:
            env.close()
    name = source if source == "synthetic" else Path(source).name
    return {"source": name, "tasks": seeds, "candidates_per_kept_defect": _median(tried),
            "candidates_per_kept_defect_mean": round(statistics.fmean(tried), 3),
            "validation_s_per_kept_defect": _median(per_defect), "validation_s_cached": _median(cached),
            "grading_s_per_episode": _median(grading), "grading_s_first_of_task": _median(first),
            "grading_s_tests_only": _median(plain), "grading_ratio": _ratio(grading, plain),
            "grading_ratio_first_of_task": _ratio(first, plain),
            "differential_checked_share": round(statistics.fmean(checked), 3) if checked else None,
            "unverified": unchecked,
            "discard_reasons": discards}


def _grade_twice(base, trajectory) -> tuple[EpisodeScore, tuple[float, float, float]]:  # noqa: ANN001
    """The episode's score, and the seconds of its task's first grading (which makes the differential's
    reference), of a plain test run, and of a second grading (which reads the kept reference)."""
    started = time.perf_counter()
    score = base.grade(trajectory.task, trajectory, base.ctx)
    first = time.perf_counter() - started
    plain = _plain_grading_s(base, trajectory)
    started = time.perf_counter()
    again = base.grade(trajectory.task, trajectory, base.ctx)
    second = time.perf_counter() - started
    assert again == score, "a kept reference graded the episode differently"
    return score, (first, plain, second)


def _plain_grading_s(base, trajectory) -> float:  # noqa: ANN001 - the env and its trajectory
    """Seconds to grade an episode the earlier way: the agent's non-test edits over the clean project in a fresh
    sandbox, one uncached plain run of the fail-to-pass and pass-to-pass tests."""
    task = trajectory.task
    gold = task.gold_as(PatchGold)
    clean = {**(task.workspace or {}), **gold.withheld}
    edited = {p: t for p, t in trajectory.final_state["changed"].items() if t is not None and not is_test_path(p)}
    started = time.perf_counter()
    suite = Suite(gold.repository, gold.commit, clean, gold.test_args, base.grading_sandbox,
                  base.grading_backend(), RunCache(enabled=False), owns_sandbox=True)
    graded = [*gold.fail_to_pass, *gold.pass_to_pass, *task.meta.get("context_pass_to_pass", [])]
    try:
        run = suite.run("plain", edited=edited, selection=graded)
    finally:
        suite.close()
    assert run.passed >= set(gold.fail_to_pass), "the plain run disagrees with the grader"
    return time.perf_counter() - started


SIX = Path(__file__).resolve().parents[1] / "tests" / "patch" / "data" / "six-1.16.0.tar.gz"


def _cells(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    """(backend, source, length) of each cell to measure: the ``--cell`` ones, else every source on one backend."""
    if not args.cell:
        sources = args.source or ["synthetic", str(SIX)]
        return [(args.sandbox, source, tokens.parse_length(args.length)) for source in sources]
    cells = []
    for cell in args.cell:
        parts = cell.split(":")
        if len(parts) != 3:
            raise SystemExit(f"--cell {cell!r} is not BACKEND:SOURCE:LENGTH; e.g. --cell local:synthetic:4k")
        backend, source, length = parts
        cells.append((backend, str(SIX) if source == "six" else source, tokens.parse_length(length)))
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="docker")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--length", default="8k")
    parser.add_argument("--source", action="append", default=None,
                        help="synthetic (default), a folder or a source archive; repeatable")
    parser.add_argument("--cell", action="append", default=None,
                        help="BACKEND:SOURCE:LENGTH, repeatable; measured side by side (overrides the others)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results = []
    for backend, source, length in _cells(args):
        results.append({"sandbox": backend, "length": length, **measure(source, backend, args.seeds, length)})
    print(json.dumps({"benchmark": "patch", "seeds": args.seeds, "results": results}, indent=2))


if __name__ == "__main__":
    main()
