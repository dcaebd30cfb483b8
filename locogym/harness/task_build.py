"""Filling the task store: many seeds of a project, each built and validated once, in parallel where the machine
allows (``locogym tasks build``).

A job is one seed at one or more lengths, built by one env, so the lengths share the seed's core (its defects are
validated once). Jobs run in worker processes, one per free core by default. A build that the machine's load
stopped (a test run past its time, :class:`~locogym.core.errors.SandboxTimeout`, even after the suite's own retry
with more time) is tried again after a pause, up to ``retries`` times: a time-out says nothing about the project,
so it is never stored, and the run cache keeps no time-out either. A seed the project cannot make (no defect
survives validation, a length too short) is ``refused``; any other error is ``failed``, with its message.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Literal

import gymnasium as gym

from locogym.core.errors import ConfigError, LocoError, SandboxTimeout, TaskRefused
from locogym.envs.defects import DefectEnv

BuildStatus = Literal["built", "rebuilt", "stored", "refused", "failed"]
RETRY_PAUSE_S = 10.0


@dataclass(frozen=True)
class BuildJob:
    """One seed of ``env_id`` at each of ``lengths``; ``env_kwargs`` go to ``gym.make`` (the store included)."""

    env_id: str
    seed: int
    lengths: tuple[str, ...]
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    """What became of one seed at one length. ``stored``: it was in the store already (checked, not rebuilt)."""

    env_id: str
    seed: int
    length: str
    status: BuildStatus
    seconds: float
    attempts: int = 1
    message: str = ""
    task_id: str = ""
    content_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("built", "rebuilt", "stored")


def default_workers() -> int:
    """Worker processes for a build: the cores this process may use that the machine's load leaves free (at
    least one). A build is mostly test runs, one core each, and a loaded machine times them out."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, cores - int(os.getloadavg()[0])))


def store_env(env_id: str, env_kwargs: dict[str, Any]) -> tuple[gym.Env[Any, Any], DefectEnv]:
    """The env that builds a job, checked to be one whose tasks the store holds and to have a store."""
    env = gym.make(env_id, **env_kwargs)
    base = env.unwrapped
    if not isinstance(base, DefectEnv):
        env.close()
        raise ConfigError(f"{env_id} keeps no task store (only the patch and review envs do).",
                          fix="Build LoCo-RepoReview-v0 or LoCo-RepoPatch-v0 tasks.")
    if base.task_store is None:
        env.close()
        raise ConfigError(f"{env_id} was made without a task store.", fix="Pass task_store=FOLDER (or True).")
    return env, base


def build_job(job: BuildJob, retries: int = 2, pause: float = RETRY_PAUSE_S) -> list[BuildResult]:
    """Build (or find in the store) ``job``'s seed at each of its lengths, in one env."""
    env, base = store_env(job.env_id, job.env_kwargs)
    try:
        return [build_length(base, job, length, retries, pause) for length in job.lengths]
    finally:
        env.close()


def build_length(env: DefectEnv, job: BuildJob, length: str, retries: int, pause: float) -> BuildResult:
    """One seed at one length, tried again after a time-out up to ``retries`` times."""
    config = env.make_config(job.seed, {**job.options, "length": length})
    attempts = 0
    while True:
        attempts += 1
        started = time.perf_counter()
        try:
            task = env.task_for(config)
        except SandboxTimeout as exc:
            if attempts <= retries:
                time.sleep(pause * attempts)
                continue
            return _failed(job, length, started, attempts, f"timed out on every try: {exc}")
        except TaskRefused as exc:
            return _failed(job, length, started, attempts, str(exc), status="refused")
        except LocoError as exc:
            return _failed(job, length, started, attempts, str(exc))
        origin: BuildStatus = "stored" if env.last_task_origin == "store" else (
            "rebuilt" if env.last_task_origin == "rebuilt" else "built")
        return BuildResult(job.env_id, job.seed, length, origin, round(time.perf_counter() - started, 2), attempts,
                           task_id=task.task_id, content_hash=task.content_hash)


def _failed(job: BuildJob, length: str, started: float, attempts: int, message: str,
            status: BuildStatus = "failed") -> BuildResult:
    return BuildResult(job.env_id, job.seed, length, status, round(time.perf_counter() - started, 2), attempts,
                       message=message)


def build_all(jobs: Sequence[BuildJob], workers: int = 1, retries: int = 2, pause: float = RETRY_PAUSE_S,
              on_result: Callable[[BuildResult], None] | None = None) -> list[BuildResult]:
    """Build every job, ``workers`` at a time in worker processes (in this process when 1), calling
    ``on_result`` as each length finishes. A worker that crashes fails its job's lengths, with the reason."""
    results: list[BuildResult] = []

    def collect(batch: list[BuildResult]) -> None:
        for result in batch:
            results.append(result)
            if on_result is not None:
                on_result(result)

    if workers <= 1:
        for job in jobs:
            collect(build_job(job, retries, pause))
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures: dict[Future[list[BuildResult]], BuildJob] = {
            pool.submit(build_job, job, retries, pause): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                collect(future.result())
            except Exception as exc:  # noqa: BLE001 - a worker's crash fails its job, not the whole build
                collect([BuildResult(job.env_id, job.seed, length, "failed", 0.0, message=f"{type(exc).__name__}: "
                                     f"{exc}") for length in job.lengths])
    return results
