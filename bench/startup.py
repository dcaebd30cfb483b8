"""CPU time until the command line answers a run that cannot start, and of ``import locogym``. Prints JSON.

A forgotten API key must be reported at once, even on a loaded machine, so the bar is CPU seconds (user + system
of the child process), which load does not inflate the way it inflates wall time. Each command runs ``--repeats``
times in a fresh interpreter with no key set; the median is reported beside a bare ``python -c pass`` for scale.

Run: python bench/startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import locogym": [sys.executable, "-c", "import locogym"],
    "run, no key": [sys.executable, "-m", "locogym.cli", "run", "LoCo-Repo-v0", "--agent", "anthropic/claude-x"],
    "tournament, no key": [sys.executable, "-m", "locogym.cli", "tournament", "--agents", "openai/gpt-4o",
                           "--envs", "LoCo-Repo-v0"],
}
BAR_SECONDS = 1.0


def cpu_seconds(argv: list[str], env: dict[str, str], cwd: str) -> float:
    """User + system CPU of one child run (the difference of this process's children totals)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "--agent" in " ".join(argv) and "has no API key" not in done.stderr:
        raise SystemExit(f"{' '.join(argv[2:])} did not report the missing key:\n{done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")}
    results = {}
    with tempfile.TemporaryDirectory() as cwd:
        for name, argv in COMMANDS.items():
            samples = [cpu_seconds(argv, env, cwd) for _ in range(args.repeats)]
            results[name] = {"median_cpu_s": round(statistics.median(samples), 3),
                             "max_cpu_s": round(max(samples), 3)}
    keyed = [results[name]["median_cpu_s"] for name in ("run, no key", "tournament, no key")]
    print(json.dumps({"repeats": args.repeats, "bar_cpu_s": BAR_SECONDS, "commands": results,
                      "under_bar": all(seconds < BAR_SECONDS for seconds in keyed)}, indent=2))


if __name__ == "__main__":
    main()
