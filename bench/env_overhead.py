"""Steps per second of the base env with the fake sandbox and a trivial tool, recorder on and off.

Prints JSON. The recorder should cost under 5% of a step. Run: python bench/env_overhead.py [--steps N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from locogym.harness.recorder import TrajectoryWriter  # noqa: E402
from tests.fixture_family import FIXTURE_ID, register  # noqa: E402

ACTION = {"name": "list_files", "arguments": {}}


def run(steps: int, record: bool, folder: Path) -> float:
    env = gym.make(FIXTURE_ID, max_steps=None)
    base = env.unwrapped
    if record:
        base.listeners.append(TrajectoryWriter(folder / "bench.jsonl"))
    env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(steps):
        env.step(ACTION)
    elapsed = time.perf_counter() - start
    env.close()
    for listener in base.listeners:
        listener.close()
    return steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    register()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run(300, True, folder)  # warm up caches and imports
        off, on = [], []
        for _ in range(args.repeats):  # interleaved, so drift on a busy machine hits both alike
            off.append(run(args.steps, False, folder))
            on.append(run(args.steps, True, folder))
    median_off, median_on = statistics.median(off), statistics.median(on)
    print(json.dumps({
        "benchmark": "env_overhead",
        "steps_per_run": args.steps,
        "repeats": args.repeats,
        "steps_per_s_recorder_off_median": round(median_off, 1),
        "steps_per_s_recorder_on_median": round(median_on, 1),
        "us_per_step_off": round(1e6 / median_off, 1),
        "us_per_step_on": round(1e6 / median_on, 1),
        "recorder_cost_pct_of_step": round(100 * (median_off / median_on - 1), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
