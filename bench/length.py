"""Length as a controlled variable: the heuristic's paired score curve per family, and task generation per rung.

For each family, the heuristic baseline plays seeds 0..N-1 at every rung of the length list (default 4k, 8k, 32k,
128k). A seed is the same task at every rung (its core hash is checked), so the curve is paired: the mean score at
each length over the tasks played at every length, a 95% interval resampling tasks, the paired drop from the
shortest length, the degradation (the drop at the longest length, with its sign-test p) and the paired effective
length (see docs/scoring.md). A rung too short for a seed's core is refused (``TaskRefused``); refusals are counted
with their reasons and that seed leaves the curve.

Task generation is timed per rung in fresh processes with an empty on-disk cache, CPU time (the process and the
test runs it waited for) beside wall time, a process's first task (loads, cold caches) apart from the next ones
(what a tournament worker pays per task); medians over seeds and ``--repeat`` processes. With ``--baseline PATH``
(a checkout of another release), the same timer runs against it in the same invocation, the two releases taking
turns, and the CPU-time ratio now/baseline is printed per rung.

    python bench/length.py [--envs LoCo-Repo-v0,...] [--lengths 4k,8k,32k,128k] [--seeds 8] [--gen-seeds 5]
                           [--repeat 3] [--baseline PATH] [--sandbox local] [--import MODULE] [--skip-play]
                           [--skip-generation]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
ENVS = ("LoCo-Repo-v0", "LoCo-RepoPatch-v0", "LoCo-RepoReview-v0", "LoCo-WikiHop-v0", "LoCo-FuncCall-v0")
# Generation timer, run in a fresh process against whichever release its path puts first: it uses only what both
# releases have (gym.make, make_config, task_for), so the same code times the baseline and the current tree. Per
# task it reports wall time and CPU time (this process and the test runs it waited for), so a loaded machine
# moves the ratio less.
TIMER = r"""
import json, os, sys, time, warnings
sys.path.insert(0, os.environ["LOCOGYM_BENCH_ROOT"])
warnings.simplefilter("ignore")
import importlib, gymnasium as gym, locogym
env_id, length, seeds, sandbox = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for name in sys.argv[5:]:  # modules that register extra families
    getattr(importlib.import_module(name), "register", lambda: None)()
env = gym.make(env_id, sandbox=sandbox)
base = env.unwrapped

def cpu():  # this process at high resolution, plus the (10 ms grained) time of the test runs it waited for
    t = os.times()
    return time.process_time() + t.children_user + t.children_system

tasks, refused = [], []
for seed in range(seeds):
    wall, used = time.perf_counter(), cpu()
    try:
        base.task_for(base.make_config(seed, {"length": length}))
    except Exception as exc:  # a refusal (or, in an older release, any generation failure) is reported, not timed
        refused.append(f"seed {seed}: {type(exc).__name__}: {str(exc)[:160]}")
        continue
    tasks.append({"wall": time.perf_counter() - wall, "cpu": cpu() - used})
env.close()
print(json.dumps({"tasks": tasks, "refused": refused}))
"""


def _interval(iv: Any) -> dict[str, float]:
    return {"mean": round(iv.mean, 4), "low": round(iv.low, 4), "high": round(iv.high, 4), "n": iv.n}


def play(env_id: str, lengths: list[str], seeds: int, sandbox: str) -> dict[str, Any]:
    """The heuristic's paired curve on one family."""
    import gymnasium as gym

    from locogym.agents import make_agent
    from locogym.core.errors import TaskRefused
    from locogym.core.types import EpisodeResult
    from locogym.harness.runner import run_episode
    from locogym.scoring.paired import PairedCurve, paired_curve

    env = gym.make(env_id, sandbox=sandbox)
    rows: list[EpisodeResult] = []
    refused: list[str] = []
    moved: list[str] = []
    cores: dict[int, str] = {}
    started = time.perf_counter()
    try:
        for seed in range(seeds):
            for length in lengths:
                try:
                    traj = run_episode(env, make_agent("heuristic"), seed=seed, options={"length": length})
                except TaskRefused as exc:
                    refused.append(f"seed {seed} at {length}: {str(exc)[:200]}")
                    continue
                assert traj.task is not None and traj.score is not None
                core = traj.task.core_hash
                if cores.setdefault(seed, core) != core:
                    moved.append(f"seed {seed} at {length}")
                rows.append(EpisodeResult(key=f"{seed}-{length}", agent="heuristic", env=env_id, seed=seed,
                                          length=traj.scenario.length, score=traj.score, core_hash=core,
                                          depth=traj.task.depth, status="errored" if traj.termination == "error"
                                          else "done"))
    finally:
        env.close()
    curve = paired_curve(rows)
    out: dict[str, Any] = {"episodes": len(rows), "refused": refused, "core_moved": moved,
                           "errored": sum(1 for r in rows if r.status == "errored"),
                           "wall_s": round(time.perf_counter() - started, 1)}
    if not isinstance(curve, PairedCurve):
        out["unpaired"] = curve.reason
        return out
    d, e = curve.degradation, curve.effective
    out.update({
        "tasks": curve.tasks, "incomplete": curve.incomplete,
        "curve": {str(n): _interval(m) for n, m in zip(curve.lengths, curve.means, strict=True)},
        "drop": {str(n): _interval(x) for n, x in zip(curve.lengths, curve.drops, strict=True)},
        "degradation": {**_interval(d.drop), "worse": d.worse, "better": d.better, "p_value": round(d.p_value, 4)},
        "effective_length": {"effective": e.effective, "low": e.low, "high": e.high, "first_below": e.first_below},
    })
    return out


def time_generation(root: Path, env_id: str, length: str, seeds: int, sandbox: str,
                    imports: list[str]) -> dict[str, Any]:
    """One fresh process of ``root``'s release generating seeds 0..N-1 at ``length``, with an empty cache."""
    with tempfile.TemporaryDirectory(prefix="locogym-bench-cache-") as cache:
        environ = {**os.environ, "LOCOGYM_BENCH_ROOT": str(root), "LOCOGYM_CACHE_DIR": cache,
                   "PYTHONPATH": os.pathsep.join([str(root), str(ROOT)])}
        done = subprocess.run([sys.executable, "-c", TIMER, env_id, length, str(seeds), sandbox, *imports], cwd=root,
                              capture_output=True, text=True, env=environ, timeout=3600)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-400:]}
    found: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return found


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs of one release at one rung: a process's first task (loads, cold caches) apart from
    the rest (what a worker pays for each further task)."""
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        return {"error": errors[0]}
    first = [r["tasks"][0] for r in runs if r["tasks"]]
    rest = [t for r in runs for t in r["tasks"][1:]]
    out: dict[str, Any] = {"tasks": sum(len(r["tasks"]) for r in runs), "refused": runs[0]["refused"]}
    for name, sample in (("first", first), ("next", rest)):
        if sample:
            out[name] = {"cpu_ms": round(1000 * statistics.median(t["cpu"] for t in sample), 3),
                         "wall_ms": round(1000 * statistics.median(t["wall"] for t in sample), 3)}
    return out


def _ratio(now: dict[str, Any], before: dict[str, Any], part: str) -> float | None:
    a, b = now.get(part, {}).get("cpu_ms"), before.get(part, {}).get("cpu_ms")
    return round(a / b, 2) if a and b else None


def generation(envs: list[str], lengths: list[str], seeds: int, repeat: int, sandbox: str, baseline: Path | None,
               imports: list[str]) -> dict[str, Any]:
    """Per env and rung: ``repeat`` fresh processes per release, alternating which release goes first, and the
    medians of their per-task times; with a baseline, the CPU-time ratios now / baseline."""
    out: dict[str, Any] = {}
    for env_id in envs:
        rungs: dict[str, Any] = {}
        for length in lengths:
            runs: dict[str, list[dict[str, Any]]] = {"now": [], "baseline": []}
            roots = [("now", ROOT)] + ([("baseline", baseline)] if baseline is not None else [])
            for round_ in range(repeat):
                for name, root in roots if round_ % 2 == 0 else roots[::-1]:
                    runs[name].append(time_generation(root, env_id, length, seeds, sandbox, imports))
            rung: dict[str, Any] = {"now": _summary(runs["now"])}
            if baseline is not None:
                rung["baseline"] = _summary(runs["baseline"])
                rung["ratio_next"] = _ratio(rung["now"], rung["baseline"], "next")
                rung["ratio_first"] = _ratio(rung["now"], rung["baseline"], "first")
            rungs[length] = rung
        ratios = [r["ratio_next"] for r in rungs.values() if r.get("ratio_next")]
        out[env_id] = {"rungs": rungs, **({"max_ratio_next": max(ratios)} if ratios else {})}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", default=",".join(ENVS))
    parser.add_argument("--lengths", default="4k,8k,32k,128k")
    parser.add_argument("--seeds", type=int, default=8, help="seeds the heuristic plays at every length")
    parser.add_argument("--gen-seeds", type=int, default=6, help="seeds per process in the generation timing")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per release and rung")
    parser.add_argument("--sandbox", default="local")
    parser.add_argument("--baseline", type=Path, default=None, help="a checkout of another release to time against")
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        help="a module that registers an extra family (repeatable)")
    parser.add_argument("--skip-play", action="store_true")
    parser.add_argument("--skip-generation", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(ROOT))
    envs = [e for e in args.envs.split(",") if e]
    lengths = [n for n in args.lengths.split(",") if n]
    report: dict[str, Any] = {"lengths": lengths, "seeds": args.seeds, "sandbox": args.sandbox}
    from locogym.harness.schedule import import_plugins

    import_plugins(args.imports)
    if not args.skip_play:
        report["heuristic"] = {env_id: play(env_id, lengths, args.seeds, args.sandbox) for env_id in envs}
    if not args.skip_generation:
        report["generation"] = generation(envs, lengths, args.gen_seeds, args.repeat, args.sandbox, args.baseline,
                                          args.imports)
        report["generation_seeds"] = args.gen_seeds
    report["machine"] = {"cpus": os.cpu_count(), "median_over": "seeds"}
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
