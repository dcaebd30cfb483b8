"""Runs under load and beside neighbours: the README's main job twice at once, plus the quick test tier, repeated.

Each repetition starts, at the same moment, two ``locogym tournament`` processes on the built-in default (each
with its own run folder, both on the same Docker engine) and the quick test tier, then waits for all three. A
tournament's errored episodes are read back from its run folder; a sandbox that died under load, a tool server
that lost its stream, or one run's start-up cleanup removing the other's containers would show up there. The
figure that matters is ``errored_episodes``: it must be 0 over every repetition.

    python bench/stress.py [--repetitions 3] [--out runs/stress] [--no-tests] [-- EXTRA TOURNAMENT ARGS]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
QUICK_TIER = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def _tournament(out: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "locogym", "tournament", "--out", str(out), *extra]


def _errored(run_dir: Path) -> list[dict[str, Any]]:
    from locogym.harness.report import load_run

    if not (run_dir / "episodes.jsonl").exists():
        return [{"error": "no episodes.jsonl: the run did not start"}]
    run = load_run(run_dir)
    return [{"agent": r.agent, "env": r.env, "seed": r.seed, "length": r.length, "error": (r.error or "")[:300]}
            for r in run.errored]


def repetition(index: int, out: Path, extra: list[str], tests: bool) -> dict[str, Any]:
    folders = [out / f"rep{index}" / name for name in ("a", "b")]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    logs = out / f"rep{index}" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    commands = {f"tournament_{f.name}": _tournament(f, extra) for f in folders}
    if tests:
        commands["quick_tier"] = QUICK_TIER
    started = time.perf_counter()
    running = {name: subprocess.Popen(argv, cwd=ROOT, stdout=open(logs / f"{name}.out", "wb"),  # noqa: SIM115
                                      stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "120"})
               for name, argv in commands.items()}
    exits = {}
    for name, process in running.items():
        exits[name] = process.wait()
        exits[f"{name}_s"] = round(time.perf_counter() - started, 1)
    errored = {folder.name: _errored(folder) for folder in folders}
    return {"repetition": index, "exit_codes": {k: v for k, v in exits.items() if not k.endswith("_s")},
            "wall_s": {k.removesuffix("_s"): v for k, v in exits.items() if k.endswith("_s")},
            "errored_episodes": sum(len(e) for e in errored.values()), "errored": errored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "stress")
    parser.add_argument("--no-tests", action="store_true", help="leave the quick test tier out of the load")
    parser.add_argument("extra", nargs="*", help="more arguments for both tournaments (after --)")
    args = parser.parse_args()
    reps = [repetition(i, args.out, args.extra, not args.no_tests) for i in range(args.repetitions)]
    print(orjson.dumps({
        "cores": os.cpu_count(), "repetitions": len(reps),
        "errored_episodes": sum(r["errored_episodes"] for r in reps),
        "tournaments_exited_0": sum(1 for r in reps for k, v in r["exit_codes"].items()
                                    if k.startswith("tournament") and v == 0),
        "tournaments": 2 * len(reps), "runs": reps,
    }, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
