"""Tournament scheduler figures, printed as JSON.

1. Efficiency against a scripted OpenAI-compatible server that answers every call after a fixed latency: the
   wall time of a tournament against the ideal ``calls × latency ÷ concurrency``, at concurrency 1, 8 and 32.
2. Scheduler overhead per episode: a tournament of model-free episodes (one worker process) against playing the
   same episodes in a plain loop, side by side in one run.
3. Resume after SIGKILL: a tournament killed with SIGKILL several times, then finished; episodes lost and
   episodes recorded twice (both must be 0).

Run from the repository root: ``python bench/tournament.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gymnasium as gym  # noqa: E402
from rich.console import Console  # noqa: E402

import locogym  # noqa: E402
from locogym.harness.rundir import RunDir  # noqa: E402
from locogym.harness.schedule import build_config, plan  # noqa: E402
from locogym.harness.tournament import LocalExecutor, run_tournament  # noqa: E402
from locogym.testing import Delay, Reply, ScriptedServer, Usage  # noqa: E402
from tests.fixture_family import FIXTURE_ID, register  # noqa: E402

register()
CALLS_PER_EPISODE = 4  # three tool calls, then submit


def scripted(latency: float):  # type: ignore[no-untyped-def]
    """A responder: list files until the episode has made CALLS_PER_EPISODE - 1 calls, then submit."""

    def respond(request: Any) -> Delay:
        done = len(request.tool_results())
        reply = (Reply.call("list_files", {}, usage=Usage(input=500, output=20)) if done < CALLS_PER_EPISODE - 1
                 else Reply.call("submit", {"answer": "x"}, usage=Usage(input=600, output=10)))
        return Delay(latency, then=reply)

    return respond


class ServerProcess:
    """The scripted server in a process of its own, so it does not share the scheduler's interpreter lock
    (a real provider does not run on the benchmark's CPU either)."""

    def __init__(self, latency: float) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(latency)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.proc.stdout is not None
        self.openai_base_url = self.proc.stdout.readline().strip()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def serve(latency: float) -> None:
    from http.server import ThreadingHTTPServer

    # A provider's front end accepts a burst of new connections; the standard library's default backlog of 5
    # would turn 32 agents connecting at once into connection resets and retries.
    ThreadingHTTPServer.request_queue_size = 256
    with ScriptedServer(fallback=scripted(latency)) as server:
        print(server.openai_base_url, flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin


def quiet() -> Console:
    return Console(file=open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the benchmark


def model_config(out: Path, url: str, episodes: int, concurrency: int) -> Any:
    seeds = episodes // 2
    return build_config({"agents": [{"spec": "openai-compatible/scripted", "base_url": url, "cache": False}],
                         "envs": [FIXTURE_ID], "lengths": ["1k", "2k"], "seeds": seeds, "sandbox": "fake",
                         "imports": ["tests.fixture_family"], "concurrency": {"openai-compatible": concurrency},
                         "out": str(out)})


def cold_start(tmp: Path) -> float:
    """Seconds until fresh worker processes have imported locogym and the provider SDK."""
    executor = LocalExecutor(tmp.resolve(), workers=os.cpu_count() or 1, threads=8)
    started = time.perf_counter()
    executor.model_pool().start(wait=True)
    elapsed = time.perf_counter() - started
    executor.close()
    return elapsed


def efficiency(tmp: Path, latency: float, plan_sizes: dict[int, int]) -> dict[str, Any]:
    """Wall time against the ideal, with episode threads in one worker process and spread over one per core."""
    layouts = sorted({1, os.cpu_count() or 1})
    rows: dict[str, Any] = {}
    for concurrency, episodes in plan_sizes.items():
        for processes in layouts:
            with ServerProcess(latency) as server:
                cfg = model_config(tmp / f"eff{concurrency}-{processes}", server.openai_base_url, episodes,
                                   concurrency)
                executor = LocalExecutor(Path(cfg.out).resolve(), workers=processes, threads=concurrency)
                executor.model_pool().start(wait=True)  # time the episodes, not the workers' imports
                started = time.perf_counter()
                summary = run_tournament(cfg, console=quiet(), live=False, executor=executor)
                wall = time.perf_counter() - started
                executor.close()
                before_server = _cpu()
            server_cpu = _cpu() - before_server  # the server process is counted once it has exited
            assert summary.errored == 0 and summary.done == episodes, summary
            calls = sum(r.steps for r in summary.results.values())  # one model call per step
            ideal = calls * latency / concurrency
            rows[f"concurrency_{concurrency}_processes_{processes}"] = {
                "episodes": episodes, "calls": calls, "wall_s": round(wall, 3), "ideal_s": round(ideal, 3),
                "efficiency": round(ideal / wall, 3), "server_cpu_s": round(server_cpu, 3)}
    return {"latency_s": latency, "calls_per_episode": CALLS_PER_EPISODE, "runs": rows,
            "note": "worker processes started and warmed before timing (cold_start_s is that start-up); "
                    "server_cpu_s is the scripted server's own CPU over its life (one Python process): when it "
                    "approaches wall_s the server, not the scheduler, sets the pace"}


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def overhead(tmp: Path, episodes: int) -> dict[str, Any]:
    cfg = build_config({"agents": ["oracle"], "envs": [FIXTURE_ID], "lengths": ["1k"], "seeds": episodes,
                        "sandbox": "fake", "imports": ["tests.fixture_family"], "workers": 1,
                        "out": str(tmp / "overhead")})
    jobs = plan(cfg)
    env = gym.make(FIXTURE_ID)
    started = time.perf_counter()
    for job in jobs:  # the same episodes, played in a plain loop with trajectories written the same way
        locogym.run_episode(env, locogym.make_agent("oracle"), seed=job.seed, options=job.options,
                            trajectory_path=tmp / "direct" / f"{job.key}.jsonl", episode_key=job.key)
    direct = time.perf_counter() - started
    env.close()
    started = time.perf_counter()
    summary = run_tournament(cfg, console=quiet(), live=False)
    scheduled = time.perf_counter() - started
    assert summary.done == episodes
    episode_times = [r.wall_time_s for r in summary.results.values()]
    return {"episodes": episodes, "direct_loop_s": round(direct, 3), "tournament_s": round(scheduled, 3),
            "overhead_per_episode_ms": round((scheduled - direct) / episodes * 1000, 2),
            "median_episode_in_worker_ms": round(statistics.median(episode_times) * 1000, 2),
            "note": "tournament_s includes starting the worker process, planning and an fsync per result"}


def resume_after_sigkill(tmp: Path, episodes: int, kills: int, latency: float) -> dict[str, Any]:
    out = tmp / "killed"
    with ServerProcess(latency) as server:
        cfg = model_config(out, server.openai_base_url, episodes, 8)
        planned = {job.key for job in plan(cfg)}
        config = tmp / "killed.toml"
        config.write_text(f'envs = ["{FIXTURE_ID}"]\nlengths = ["1k", "2k"]\nseeds = {episodes // 2}\n'
                          f'sandbox = "fake"\nimports = ["tests.fixture_family"]\nout = "{out}"\n'
                          f'agents = [{{ spec = "openai-compatible/scripted", base_url = "{server.openai_base_url}", '
                          'cache = false }]\n[concurrency]\nopenai-compatible = 8\n')
        argv = [sys.executable, "-c", "from locogym.cli import main; main()", "tournament", "--config", str(config),
                "--no-report"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        killed_at = []
        for round_ in range(kills):
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            target = (round_ + 1) * episodes // (kills + 2)
            while proc.poll() is None:
                if RunDir(out).episodes_path.exists() and RunDir(out).episodes_path.read_bytes().count(b"\n") >= target:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.005)
            proc.wait()
            killed_at.append(len(RunDir(out).read_results()))
        final = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    keys = [r.key for r in RunDir(out).read_results()]
    counts = Counter(keys)
    return {"episodes": episodes, "kills": kills, "results_after_each_kill": killed_at,
            "final_exit_code": final.returncode, "episodes_lost": len(planned - set(keys)),
            "episodes_duplicated": sum(1 for n in counts.values() if n > 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke check)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per scripted model call")
    parser.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    sizes = {1: 8, 8: 32, 32: 64} if args.quick else {1: 16, 8: 96, 32: 256}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        figures = {
            "cold_start_s": round(cold_start(tmp), 3),
            "efficiency": efficiency(tmp, args.latency, sizes),
            "scheduler_overhead": overhead(tmp, 50 if args.quick else 200),
            "resume_after_sigkill": resume_after_sigkill(tmp, 32 if args.quick else 64, 3, args.latency),
            "cpus": os.cpu_count(),
        }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
