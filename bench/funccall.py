"""LoCo-FuncCall-v0 figures: world generation time, API calls per second, response bytes and tokens per call, the
length ladder, and what answering tricks score.

    python bench/funccall.py [--seeds 5] [--repeat 3] [--grading-seeds 90]
    python bench/funccall.py --only ladder --ladder-seeds 50 [--baseline /path/to/an/older/checkout]
    python bench/funccall.py --only grading [--grading-seeds 90]
    python bench/funccall.py --only seeds [--sweep-seeds 200]

Prints one JSON object. Times are medians over seeds; the per-size table replays the same mixed workload (the
read calls of oracle plans, all templates) at each response size, so the sizes are compared side by side; the
length table says how close ``response_size="auto"`` brings each template to a 32k and a 128k target. The ladder
table climbs 4k, 8k, 32k, 128k for every seed and difficulty: whether every rung gives the same core, the seeds
refused (with why), the reached length and the realised depth, and the generation time per rung of a fresh
process state (no catalog or core cached); with ``--baseline`` the same requests go, alternately, to a worker
running another checkout, so both are timed side by side under the same load. The grading table gives mean
success over seeds (``difficulty="hard"``, 4k) of the heuristic baseline, of the same calls followed by a prose
dump of every response, of a zero-call number grid, of a blind "unavailable", of the ``abstain`` baseline (the
infeasible share) and of agents that guess "unavailable" from a feature of the prompt; the infeasible share by
template, difficulty and length beside it. The seed sweep generates seeds 0..N-1 at every difficulty and length.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from locogym.agents import make_agent
from locogym.agents.base import Agent
from locogym.core import tokens
from locogym.core.types import ScenarioConfig
from locogym.scenarios.funccall.apis import STATE_CHANGING
from locogym.scenarios.funccall.calls import run_api
from locogym.scenarios.funccall.catalog import Catalog
from locogym.scenarios.funccall.generator import generate, make_world
from locogym.scenarios.funccall.geo import CITIES
from locogym.scenarios.funccall.templates import TEMPLATES
from locogym.scenarios.funccall.world import World
from locogym.testing.cheats import DumpingAgent  # noqa: E402
from locogym.testing.funccall_cheats import FEATURES, GuessingAgent

SIZES = (1, 2, 4, 8, 16, 32, 64)
TARGETS = ("32k", "128k")
LADDER = ("4k", "8k", "32k", "128k")
DIFFICULTIES = ("easy", "medium", "hard")
# A generation worker for one checkout: reads {"seed", "length", "difficulty"} lines, forgets every per-process
# cache (catalogs, cores, fills) so that each request is timed as a fresh rung, answers {"ms"} or {"error"}.
WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from locogym.core import tokens
from locogym.core.types import ScenarioConfig
from locogym.scenarios.funccall import generator
tokens.count("warm up the tokenizer")
caches = [generator._CATALOGS, getattr(generator, "_CORES", {})]
try:
    from locogym.scenarios.funccall import fill
    caches.append(fill._FILLED)
except ImportError:
    pass
for line in sys.stdin:
    ask = json.loads(line)
    for cache in caches:
        cache.clear()
    start = time.perf_counter()
    try:
        generator.generate(ScenarioConfig(family="funccall", **ask))
        print(json.dumps({"ms": (time.perf_counter() - start) * 1000}), flush=True)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
"""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def world_generation(seeds: int) -> dict[str, Any]:
    """A fresh catalog is lazy: time to materialise every city's hotels, depots, attractions and places, and the
    flights of 50 route-days; plus the time to generate a task and to rebuild its world."""
    full, tasks, rebuild = [], [], []
    for seed in range(seeds):
        start = time.perf_counter()
        catalog = Catalog(10_000 + seed)
        for city in CITIES:
            catalog.hotels(city.code)
            catalog.places(city.code)
            for depot in catalog.depots(city.code):
                catalog.vehicles(depot)
        for i in range(50):
            a, b = CITIES[i % len(CITIES)], CITIES[(i * 7 + 3) % len(CITIES)]
            if a is not b:
                from datetime import date, timedelta

                catalog.flights(a.airports[0].iata, b.airports[0].iata, date(2026, 3, 1) + timedelta(days=i))
        full.append(time.perf_counter() - start)
        start = time.perf_counter()
        task = generate(ScenarioConfig(family="funccall", seed=20_000 + seed, length=16384))
        tasks.append(time.perf_counter() - start)
        start = time.perf_counter()
        make_world(task.meta["world"], task.meta["initial_bookings"])
        rebuild.append(time.perf_counter() - start)
    return {"catalog_materialise_ms_median": _ms(statistics.median(full)),
            "task_generate_16k_ms_median": _ms(statistics.median(tasks)),
            "world_rebuild_ms_median": _ms(statistics.median(rebuild))}


def workload() -> list[tuple[int, str, dict[str, Any]]]:
    """The read calls of one oracle plan per template (world seed, API, arguments)."""
    calls = []
    for i, name in enumerate(sorted(TEMPLATES)):
        task = generate(ScenarioConfig(family="funccall", seed=i, length=4096, task=name,
                                       params={"response_size": 1}))
        seed = task.meta["world"]["seed"]
        calls += [(seed, c.name, c.arguments) for c in task.oracle_plan[:-1] if c.name not in STATE_CHANGING]
    return calls


def per_size(calls: list[tuple[int, str, dict[str, Any]]], repeat: int) -> dict[str, Any]:
    rows = {}
    for size in SIZES:
        worlds = {seed: World(Catalog(seed), size=size) for seed in {c[0] for c in calls}}
        for seed, name, args in calls:  # warm the lazy catalog so the timing is of the APIs
            run_api(worlds[seed], name, args)
        start = time.perf_counter()
        outputs = []
        for _ in range(repeat):
            for seed, name, args in calls:
                outputs.append(run_api(worlds[seed], name, args).output)
        elapsed = time.perf_counter() - start
        sample = outputs[: len(calls)]
        byte_sizes = [len(o.encode()) for o in sample]
        token_sizes = [tokens.count(o) for o in sample]
        rows[str(size)] = {"calls_per_second": round(len(outputs) / elapsed, 1),
                           "bytes_per_call_median": int(statistics.median(byte_sizes)),
                           "bytes_per_call_mean": int(statistics.mean(byte_sizes)),
                           "tokens_per_call_median": int(statistics.median(token_sizes)),
                           "tokens_per_call_mean": int(statistics.mean(token_sizes)),
                           "tokens_per_call_max": max(token_sizes)}
    return rows


def reached_lengths(seeds: int) -> dict[str, Any]:
    """Per template and target: the reached length over the target (median, min, max over seeds), the fitted
    response size and the generation time (which includes the fitting)."""
    out: dict[str, Any] = {}
    for target in TARGETS:
        wanted = tokens.parse_length(target)
        for name in sorted(TEMPLATES):
            ratios, sizes, times = [], [], []
            for seed in range(seeds):
                start = time.perf_counter()
                task = generate(ScenarioConfig(family="funccall", seed=seed, length=wanted, task=name))
                times.append(time.perf_counter() - start)
                ratios.append(task.length_tokens / wanted)
                sizes.append(task.meta["world"]["size"])
            out.setdefault(target, {})[name] = {
                "reached_over_target_median": round(statistics.median(ratios), 3),
                "reached_over_target_min": round(min(ratios), 3), "reached_over_target_max": round(max(ratios), 3),
                "response_size_median": statistics.median(sizes), "response_size_max": max(sizes),
                "generate_ms_median": _ms(statistics.median(times))}
    return out


def _worker(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def _ask(worker: subprocess.Popen[str], request: dict[str, Any]) -> dict[str, Any]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(json.dumps(request) + "\n")
    worker.stdin.flush()
    answer: dict[str, Any] = json.loads(worker.stdout.readline())
    return answer


def ladder(seeds: int, baseline: Path | None) -> dict[str, Any]:
    """Every seed and difficulty up the ladder: the same core at every rung, refusals, reached length, realised
    depth, and generation time per rung (side by side with ``baseline`` when given)."""
    same, dropped, refused, total = 0, 0, [], 0
    reached: dict[str, list[float]] = {rung: [] for rung in LADDER}
    depth_gap: list[float] = []
    for difficulty in DIFFICULTIES:
        for seed in range(seeds):
            total += 1
            try:
                tasks = [generate(ScenarioConfig(family="funccall", seed=seed, length=tokens.parse_length(rung),
                                                 difficulty=difficulty)) for rung in LADDER]
            except Exception as exc:  # a refused seed: reported with its reason
                refused.append({"seed": seed, "difficulty": difficulty, "why": f"{type(exc).__name__}: {exc}"})
                continue
            keys = {(t.core_hash, t.question, orjson.dumps(t.gold)) for t in tasks}
            same += len(keys) == 1
            dropped += sum(len(t.meta["fill"]["dropped"]) for t in tasks)
            for rung, task in zip(LADDER, tasks, strict=True):
                reached[rung].append(task.length_tokens / tokens.parse_length(rung))
            depth_gap.append(abs(tasks[-1].meta["realised_depth"] - (tasks[-1].depth or 0.0)))
    out: dict[str, Any] = {
        "tasks": total, "same_core_at_every_rung": same, "refused": refused, "fills_dropped": dropped,
        "reached_over_target": {rung: {"median": round(statistics.median(v), 3), "min": round(min(v), 3),
                                       "max": round(max(v), 3)} for rung, v in reached.items() if v},
        "depth_gap_at_128k": {"median": round(statistics.median(depth_gap), 3),
                              "within_0.1": round(sum(g <= 0.1 for g in depth_gap) / len(depth_gap), 3)}
        if depth_gap else {}}
    out["generate_ms_median"] = _timings(seeds, baseline)
    return out


def _timings(seeds: int, baseline: Path | None) -> dict[str, Any]:
    roots = {"now": Path(__file__).resolve().parents[1], **({"baseline": baseline} if baseline else {})}
    workers = {label: _worker(root) for label, root in roots.items()}
    times: dict[str, dict[str, list[float]]] = {label: {rung: [] for rung in LADDER} for label in workers}
    try:
        for rung in LADDER:
            for difficulty in DIFFICULTIES:
                for seed in range(seeds):
                    request = {"seed": seed, "length": tokens.parse_length(rung), "difficulty": difficulty}
                    for label, worker in workers.items():  # alternate, so that both see the same load
                        answer = _ask(worker, request)
                        if "ms" in answer:
                            times[label][rung].append(answer["ms"])
    finally:
        for worker in workers.values():
            assert worker.stdin is not None
            worker.stdin.close()
            worker.wait()
    out: dict[str, Any] = {label: {rung: round(statistics.median(v), 1) for rung, v in by.items() if v}
                           for label, by in times.items()}
    if baseline:
        out["now_over_baseline"] = {rung: round(out["now"][rung] / out["baseline"][rung], 2)
                                    for rung in LADDER if rung in out["now"] and rung in out["baseline"]}
    return out


class _Fixed(Agent):
    """Submits one fixed answer at once (a grid of numbers, or a blind "unavailable")."""

    def __init__(self, name: str, answer: Any) -> None:
        super().__init__()
        self.name, self.answer = name, answer

    def reset(self, task_info: dict[str, Any]) -> None:
        return None

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        return {"name": "submit", "arguments": {"answer": self.answer}}


def grading(seeds: int) -> dict[str, Any]:
    """Mean success per answering strategy over the same seeds (and over the infeasible tasks among them)."""
    import gymnasium as gym

    import locogym

    grid = "\n".join(" ".join(f"{r * 25 + c * 3.17:.2f}" for c in range(25)) for r in range(80))
    agents: dict[str, Any] = {"heuristic": lambda: make_agent("heuristic"), "heuristic+prose_dump": DumpingAgent,
                              "zero_call_grid": lambda: _Fixed("grid", grid),
                              "blind_unavailable": lambda: _Fixed("unavailable", {"status": "unavailable"}),
                              "noop": lambda: make_agent("noop"), "abstain": lambda: make_agent("abstain"),
                              **{f"guess_{f}+{o}": (lambda f=f, o=o: GuessingAgent(f, o))
                                 for f in FEATURES for o in ("heuristic", "noop")}}
    env = gym.make("LoCo-FuncCall-v0")
    out: dict[str, Any] = {}
    for label, build in agents.items():
        scores, infeasible = [], []
        for seed in range(seeds):
            traj = locogym.run_episode(env, build(), seed=seed, options={"length": "4k", "difficulty": "hard"})
            assert traj.score is not None and traj.task is not None
            scores.append(traj.score.success)
            if traj.task.gold["infeasible"]:
                infeasible.append(traj.score.success)
        out[label] = {"mean_success": round(statistics.mean(scores), 4),
                      "mean_success_infeasible": round(statistics.mean(infeasible), 4) if infeasible else None,
                      "episodes": seeds, "infeasible_episodes": len(infeasible)}
    floor = out["abstain"]["mean_success"]
    guessers = {k: v["mean_success"] for k, v in out.items() if k.startswith("guess_")}
    out["summary"] = {
        "infeasible_share": round(out["abstain"]["infeasible_episodes"] / seeds, 4), "abstain": floor,
        "heuristic": out["heuristic"]["mean_success"],
        "abstain_over_heuristic": round(floor / out["heuristic"]["mean_success"], 3),
        "best_pure_guesser_minus_abstain": round(max(v for k, v in guessers.items() if k.endswith("+noop")) - floor, 4),
        "best_guesser_minus_max_heuristic_abstain": round(
            max(guessers.values()) - max(floor, out["heuristic"]["mean_success"]), 4)}
    return out


def infeasible_shares(seeds: int) -> dict[str, Any]:
    """The share of infeasible requests by what the prompt shows (template, difficulty, length), from the core's
    first draws over many seeds (no task is generated), next to the configured share."""
    from locogym.scenarios.funccall.generator import INFEASIBLE_SHARE, first_draws

    by: dict[str, list[bool]] = {}
    for template in sorted(TEMPLATES):
        for seed in range(seeds):
            difficulty, length = DIFFICULTIES[seed % 3], (4096, 32768, 131072)[seed // 3 % 3]
            flag = first_draws(ScenarioConfig(family="funccall", seed=seed, task=template, difficulty=difficulty,
                                              length=length))[2]
            for key in (f"template={template}", f"difficulty={difficulty}", f"length={length}"):
                by.setdefault(key, []).append(flag)
    return {"configured": INFEASIBLE_SHARE, "seeds_per_template": seeds,
            **{k: round(sum(v) / len(v), 4) for k, v in sorted(by.items())}}


def seed_sweep(seeds: int) -> dict[str, Any]:
    """Generate seeds 0..N-1 at every difficulty and at 4k, 32k and 128k: how many generated, the failures (none
    expected: generation falls back instead of giving up), and how many contexts fell back to no fill."""
    failures, fallbacks, done = [], 0, 0
    for difficulty in DIFFICULTIES:
        for length in (4096, 32768, 131072):
            for seed in range(seeds):
                try:
                    task = generate(ScenarioConfig(family="funccall", seed=seed, length=length,
                                                   difficulty=difficulty))
                except Exception as exc:  # noqa: BLE001 - every failure is reported by seed
                    failures.append(f"{difficulty}/{length}/{seed}: {type(exc).__name__}: {exc}")
                    continue
                done += 1
                fallbacks += "fallback: no fill" in task.meta["fill"]["dropped"]
    return {"generated": done, "failures": failures, "fallback_contexts": fallbacks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the workload per size")
    parser.add_argument("--grading-seeds", type=int, default=90, help="episodes per answering strategy")
    parser.add_argument("--only", choices=("all", "grading", "ladder", "seeds"), default="all")
    parser.add_argument("--sweep-seeds", type=int, default=200, help="seeds per difficulty and length (--only seeds)")
    parser.add_argument("--ladder-seeds", type=int, default=10, help="seeds per difficulty up the ladder")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout whose generator is timed side by side with this one")
    args = parser.parse_args()
    if args.only == "ladder":
        print(orjson.dumps({"bench": "funccall", "ladder": ladder(args.ladder_seeds, args.baseline)},
                           option=orjson.OPT_INDENT_2).decode())
        return
    if args.only == "grading":
        print(orjson.dumps({"bench": "funccall", "grading": grading(args.grading_seeds),
                            "infeasible_shares": infeasible_shares(2000)}, option=orjson.OPT_INDENT_2).decode())
        return
    if args.only == "seeds":
        print(orjson.dumps({"bench": "funccall", "seeds": seed_sweep(args.sweep_seeds)},
                           option=orjson.OPT_INDENT_2).decode())
        return
    calls = workload()
    report = {"bench": "funccall", "world": world_generation(args.seeds), "workload_calls": len(calls),
              "apis_in_workload": sorted({c[1] for c in calls}), "by_response_size": per_size(calls, args.repeat),
              "length_fit": reached_lengths(args.seeds), "ladder": ladder(args.ladder_seeds, args.baseline),
              "grading": grading(args.grading_seeds)}
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
