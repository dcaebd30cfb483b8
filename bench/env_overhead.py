"""Steps per second of the base env with the fake sandbox and a trivial tool, recorder on and off.

Prints JSON. The recorder should cost under 5% of a step. Two measures, because the difference of two noisy
throughputs is itself noisy on a shared machine: the median of per-pair ratios (on/off runs interleaved), and the
time spent inside the recorder's ``on_step`` measured directly, as a share of a recorded step.
Run: python bench/env_overhead.py [--steps N] [--repeats R]
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


class TimedWriter(TrajectoryWriter):
    """The real writer, with the time spent in ``on_step`` summed."""

    spent = 0.0

    def on_step(self, step):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        super().on_step(step)
        self.spent += time.perf_counter() - start


def run(steps: int, record: bool, folder: Path) -> tuple[float, float]:
    """Steps per second, and seconds spent inside the recorder."""
    env = gym.make(FIXTURE_ID, max_steps=None)
    base = env.unwrapped
    writer = TimedWriter(folder / "bench.jsonl")
    if record:
        base.attach(listeners=[writer])
    env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(steps):
        env.step(ACTION)
    elapsed = time.perf_counter() - start
    env.close()
    writer.close()
    return steps / elapsed, writer.spent / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    register()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run(300, True, folder)  # warm up caches and imports
        off, on, ratios, inside = [], [], [], []
        for _ in range(args.repeats):  # interleaved, so drift on a busy machine hits both alike
            rate_off, _ = run(args.steps, False, folder)
            rate_on, spent = run(args.steps, True, folder)
            off.append(rate_off)
            on.append(rate_on)
            ratios.append(rate_off / rate_on)
            inside.append(spent * rate_on)  # share of a recorded step spent in the recorder
    median_off, median_on = statistics.median(off), statistics.median(on)
    print(json.dumps({
        "benchmark": "env_overhead",
        "steps_per_run": args.steps,
        "repeats": args.repeats,
        "steps_per_s_recorder_off_median": round(median_off, 1),
        "steps_per_s_recorder_on_median": round(median_on, 1),
        "us_per_step_off": round(1e6 / median_off, 1),
        "us_per_step_on": round(1e6 / median_on, 1),
        "recorder_cost_pct_paired_median": round(100 * (statistics.median(ratios) - 1), 2),
        "recorder_us_per_step_measured_inside": round(1e6 * statistics.median(inside) / median_on, 2),
        "recorder_share_of_step_pct_measured_inside": round(100 * statistics.median(inside), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
