"""LoCo-FuncCall-v0 figures: world generation time, API calls per second, response bytes and tokens per call.

    python bench/funccall.py [--seeds 5] [--repeat 3]

Prints one JSON object. Times are medians over seeds; the per-size table replays the same mixed workload (the
read calls of oracle plans, all templates) at each response size, so the sizes are compared side by side; the
length table says how close ``response_size="auto"`` brings each template to a 32k and a 128k target.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import orjson

from locogym.core import tokens
from locogym.core.types import ScenarioConfig
from locogym.scenarios.funccall.apis import STATE_CHANGING
from locogym.scenarios.funccall.calls import run_api
from locogym.scenarios.funccall.catalog import Catalog
from locogym.scenarios.funccall.generator import generate, make_world
from locogym.scenarios.funccall.geo import CITIES
from locogym.scenarios.funccall.templates import TEMPLATES
from locogym.scenarios.funccall.world import World

SIZES = (1, 2, 4, 8, 16, 32, 64)
TARGETS = ("32k", "128k")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the workload per size")
    args = parser.parse_args()
    calls = workload()
    report = {"bench": "funccall", "world": world_generation(args.seeds), "workload_calls": len(calls),
              "apis_in_workload": sorted({c[1] for c in calls}), "by_response_size": per_size(calls, args.repeat),
              "length_fit": reached_lengths(args.seeds)}
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
