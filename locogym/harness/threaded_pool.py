"""Worker processes that each play many model-backed episodes at once, in threads.

A model episode spends most of its time waiting for the provider, so one process can keep dozens in flight;
but everything between two waits — the provider SDK building and parsing requests, the agent's bookkeeping, the
env's tools — is Python holding the interpreter lock. In a single process that work queues up behind one lock
and one core as concurrency grows. Spreading the episodes over a few processes (one per core), each with its
share of threads, keeps the waiting cheap and lets the CPU work use every core.

:class:`ThreadedProcessPool` sends each episode to the process with the fewest in flight and returns an awaitable.
A process that dies fails only its own in-flight episodes (``WorkerDied``: recorded as errored, never as a model
failure) and is replaced on the next submission. Workers die with the tournament (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from locogym.harness.worker import execute_episode, init_pool_worker

READY = 0  # the job id a worker sends once it has imported what episodes need


class WorkerDied(RuntimeError):
    """The process playing the episode exited before returning its result."""


def _serve(conn: Connection, threads: int, run_root: str) -> None:
    """Worker main loop: run each received job in a thread and send ``(job id, result)`` back."""
    init_pool_worker()
    _preload()
    send_lock = threading.Lock()
    conn.send((READY, None))
    pool = ThreadPoolExecutor(threads, thread_name_prefix="locogym-episode")

    def run(job_id: int, job: dict[str, Any]) -> None:
        result = execute_episode(job, run_root)
        with send_lock:
            conn.send((job_id, result))

    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break  # the tournament is gone
            if message is None:
                break  # asked to stop: finish what runs, then leave
            job_id, job = message
            pool.submit(run, job_id, job)
    finally:
        pool.shutdown(wait=True)


def _preload() -> None:
    """Import the model agents once, before the first episode, rather than inside the first episode's thread
    while other threads wait on the import lock."""
    import locogym.envs  # noqa: F401
    from locogym.agents import openai_agent  # noqa: F401


class _Worker:
    def __init__(self, ctx: Any, threads: int, run_root: str) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child, threads, run_root), daemon=True)
        self.process.start()
        child.close()
        self.inflight: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[dict[str, Any]]]] = {}
        self.lock = threading.Lock()
        self.alive = True
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, name="locogym-pool-reader", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                job_id, result = self.conn.recv()
            except (EOFError, OSError):
                break
            if job_id == READY:
                self.ready.set()
                continue
            with self.lock:
                entry = self.inflight.pop(job_id, None)
            if entry is not None:
                loop, future = entry
                loop.call_soon_threadsafe(_resolve, future, result, None)
        with self.lock:
            self.alive = False
            orphans, self.inflight = list(self.inflight.values()), {}
        self.ready.set()
        self.process.join(timeout=5)  # the pipe closes a moment before the exit status is known
        code = self.process.exitcode
        for loop, future in orphans:
            loop.call_soon_threadsafe(_resolve, future, None,
                                      WorkerDied(f"the worker process exited (code {code}) during the episode"))

    def submit(self, job_id: int, job: dict[str, Any]) -> asyncio.Future[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        with self.lock:
            if not self.alive:
                raise WorkerDied("the worker process had exited")
            self.inflight[job_id] = (loop, future)
        try:
            self.conn.send((job_id, job))
        except (OSError, ValueError) as exc:
            with self.lock:
                self.inflight.pop(job_id, None)
            raise WorkerDied(f"the worker process cannot take work: {exc}") from exc
        return future

    @property
    def load(self) -> int:
        return len(self.inflight)

    def close(self, abandon: bool) -> None:
        """Ask the process to finish its episodes and leave (or end it at once with ``abandon``)."""
        if abandon:
            if self.process.is_alive():
                self.process.terminate()
        else:
            try:
                with self.lock:
                    self.conn.send(None)
            except (OSError, ValueError):
                pass  # already gone
        self.process.join()
        self.reader.join(timeout=5)  # the process's exit closes its end: the reader sees EOF
        self.conn.close()


def _resolve(future: asyncio.Future[dict[str, Any]], result: dict[str, Any] | None, error: Exception | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


class ThreadedProcessPool:
    """``processes`` spawned workers with ``threads`` episode threads each (see the module docstring)."""

    def __init__(self, processes: int, threads: int, run_root: str) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self.threads = max(1, threads)
        self.run_root = run_root
        self._workers: list[_Worker | None] = [None] * max(1, processes)
        self._ids = 0

    def start(self, wait: bool = False) -> None:
        """Start every process now (they import in parallel) instead of one by one on first use; with ``wait``,
        return once each has imported what episodes need (benchmarks time episodes, not start-up)."""
        for index, worker in enumerate(self._workers):
            if worker is None or not worker.alive:
                self._workers[index] = _Worker(self._ctx, self.threads, self.run_root)
        if wait:
            for worker in self._workers:
                if worker is not None:
                    worker.ready.wait()

    async def run(self, job: dict[str, Any]) -> dict[str, Any]:
        index = min(range(len(self._workers)),
                    key=lambda i: -1 if self._workers[i] is None else self._workers[i].load)  # type: ignore[union-attr]
        worker = self._workers[index]
        if worker is None or not worker.alive:
            worker = _Worker(self._ctx, self.threads, self.run_root)
            self._workers[index] = worker
        self._ids += 1
        return await worker.submit(self._ids, job)

    def close(self, abandon: bool = False) -> None:
        for worker in self._workers:
            if worker is not None:
                worker.close(abandon)
        self._workers = [None] * len(self._workers)
