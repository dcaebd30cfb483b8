"""Sandbox latency and throughput, printed as JSON.

Measures, in one run and on the same machine:
  * median / p95 latency of a 4 KB ``read_file`` and of ``exec(["true"])`` through the tool server, for every
    backend that works here (docker, bwrap, local);
  * a bare ``docker exec CONTAINER cat FILE`` on the same container as the docker figures, and the ratio;
  * time from creating a sandbox (container start, for docker) to the answer of its first tool call;
  * episodes per minute with 8 sandboxes at once, both with a fresh sandbox per episode and with sandboxes
    reused across resets (the way envs use them).

Usage: python bench/sandbox.py [--reads 300] [--execs 100] [--bare 30] [--episodes 3] [--parallel 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.base import Sandbox, make_sandbox

BACKENDS = ("docker", "bwrap", "local")
FILE = "bench/data.txt"
WORKSPACE = {f"pkg/mod_{i:03d}.py": f"def f_{i}(x):\n    return x + {i}\n" * 20 for i in range(200)}


def _stats(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {"median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3), "n": len(ordered)}


def _time(call: Callable[[], object], n: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _open(backend: str) -> Sandbox:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # local warns about isolation; expected here
        return make_sandbox(backend)


def latency(backend: str, reads: int, execs: int, bare: int) -> dict[str, object]:
    start = time.perf_counter()
    box = _open(backend)
    box.write_file(FILE, b"x" * 4096)
    first_call_ms = (time.perf_counter() - start) * 1000
    try:
        out: dict[str, object] = {"start_to_first_call_ms": round(first_call_ms, 1),
                                  "read_4k": _stats(_time(lambda: box.read_file(FILE), reads)),
                                  "exec_true": _stats(_time(lambda: box.exec(["true"]), execs))}
        if backend == "docker":
            container = box.container.id  # type: ignore[attr-defined]
            argv = ["docker", "exec", "-u", "1000", container, "cat", f"/workspace/{FILE}"]
            bare_samples = _time(lambda: subprocess.run(argv, capture_output=True, check=True), bare, warmup=2)
            out["bare_docker_exec_cat_4k"] = _stats(bare_samples)
            out["speedup_read_vs_bare_docker_exec"] = round(
                statistics.median(bare_samples) / out["read_4k"]["median_ms"], 1)  # type: ignore[index]
        return out
    finally:
        box.close()


def _episode(box: Sandbox) -> None:
    """A small but realistic episode: load a repository, search, read, edit, run a command."""
    box.load_workspace(WORKSPACE)
    box.grep(r"return x \+ 1\d\b", "**/*.py")
    for i in range(0, 200, 20):
        box.read_file(f"pkg/mod_{i:03d}.py")
    box.list_dir("pkg")
    box.write_file("pkg/new.py", "VALUE = 1\n")
    box.exec(["python3", "-c", "import sys; print(sys.version)"])


def throughput(backend: str, parallel: int, episodes: int) -> dict[str, object]:
    def fresh(_: int) -> None:
        for _ in range(episodes):
            box = _open(backend)
            try:
                _episode(box)
            finally:
                box.close()

    def reused(_: int) -> None:
        box = _open(backend)
        try:
            for _ in range(episodes):
                _episode(box)
        finally:
            box.close()

    out: dict[str, object] = {"parallel": parallel, "episodes": parallel * episodes}
    for name, worker in (("fresh_sandbox_per_episode", fresh), ("sandbox_reused_across_resets", reused)):
        start = time.perf_counter()
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(worker, range(parallel)))
        elapsed = time.perf_counter() - start
        out[name] = {"episodes_per_minute": round(parallel * episodes * 60 / elapsed, 1),
                     "seconds": round(elapsed, 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--execs", type=int, default=100)
    parser.add_argument("--bare", type=int, default=30)
    parser.add_argument("--episodes", type=int, default=3, help="episodes per sandbox in the throughput test")
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    args = parser.parse_args()
    import os

    report: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                                 "latency": {}, "throughput": {}, "unavailable": {}}
    for backend in args.backends.split(","):
        try:
            report["latency"][backend] = latency(backend, args.reads, args.execs, args.bare)  # type: ignore[index]
            if backend != "local":
                report["throughput"][backend] = throughput(backend, args.parallel, args.episodes)  # type: ignore[index]
        except SandboxUnavailable as exc:
            report["unavailable"][backend] = exc.message  # type: ignore[index]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
