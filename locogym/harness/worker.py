"""Playing one scheduled episode wherever it lands: a pool process, a thread, or a Ray worker.

:func:`execute_episode` takes a plain dict (an :class:`~locogym.harness.schedule.EpisodeJob`) and returns a plain
dict (an :class:`~locogym.core.types.EpisodeResult`), so it crosses process and machine boundaries unchanged.
It never raises for a failed episode: an exception in env code, a dead sandbox or a provider outage comes back as
``status="errored"`` with the cause, and is never scored as the model's answer. A task its options cannot make (a
length too short for the task's core: a ``TaskRefused`` from ``reset``) comes back as ``status="refused"`` with
the reason: nothing was played, and running it again would give the same answer.

Envs and agents are kept per worker (per thread) and reused across episodes with the same arguments: families
cache their data per parameters and sandboxes are reused across resets, and a model agent keeps its HTTP client
(its connection pool and TLS setup) while ``reset`` clears everything that belongs to one episode, budgets
included. A failed episode drops its env and agent, so a broken sandbox or client is never reused.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections import OrderedDict
from pathlib import Path
from typing import Any

from locogym.core.errors import TaskRefused
from locogym.core.types import EpisodeResult, ErrorKind, ModelUsage, Trajectory, stable_hash
from locogym.harness.provenance import result_fields
from locogym.harness.schedule import EpisodeJob, import_plugins
from locogym.harness.spend import SPEND_CAP_ERROR, SpendLedger

_ENVS_PER_WORKER = 4
_local = threading.local()
_all_caches: list[OrderedDict[str, Any]] = []
_imported: set[str] = set()
_lock = threading.Lock()


def execute_episode(job_data: dict[str, Any], run_root: str, keep_env: bool = True) -> dict[str, Any]:
    """Play the episode described by ``job_data`` and write its trajectory under ``run_root``.

    ``keep_env=False`` closes the env (and its sandbox) after the episode: for workers this process does not
    own and so cannot clean up at the end (Ray's).
    """
    try:
        return _execute(EpisodeJob.model_validate(job_data), run_root)
    finally:
        if not keep_env:
            close_all()


def _execute(job: EpisodeJob, run_root: str) -> dict[str, Any]:
    started = time.monotonic()
    trajectory_file = Path(run_root) / job.trajectory_path
    base: dict[str, Any] = {"key": job.key, "agent": job.agent, "env": job.env, "options": job.options,
                            "env_args": job.env_args, "seed": job.seed, "length": job.length, "trial": job.trial}
    env_key = agent_key = ""
    try:
        _ensure_imports(job.imports)
        from locogym.harness.runner import run_episode

        package = sys.modules["locogym"]
        if getattr(package, "__file__", None) is None:
            raise RuntimeError(f"this worker imported locogym as an empty namespace package from "
                               f"{list(getattr(package, '__path__', []))}: a folder named locogym on its path hides "
                               "the installed package; start the run from another folder")

        env_key, env = _env_for(job)
        agent_key, agent = _agent_for(job)
        if hasattr(agent, "spend_gate"):  # model agents book every request against the run's cap
            agent.spend_gate = SpendLedger(run_root, job.spend_cap_usd) if job.spend_cap_usd is not None else None
        try:
            trajectory = run_episode(env, agent, seed=job.seed, options=job.options,
                                     trajectory_path=trajectory_file, episode_key=job.key)
        except TaskRefused as exc:  # the task cannot be made with these options: refused, not failed
            return EpisodeResult(**base, status="refused", error=str(exc)[:2000], termination="error",
                                 wall_time_s=time.monotonic() - started).model_dump(mode="json")
    except Exception as exc:  # noqa: BLE001 - an episode's failure is a result, never a crashed tournament
        _drop_env(env_key)
        agent = _agents().pop(agent_key, None)
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        spent = getattr(agent, "episode_usage", None)  # what the episode's requests cost before the failure
        return EpisodeResult(**base, status="errored", error=detail[:2000], termination="error",
                             usage=spent if isinstance(spent, ModelUsage) else ModelUsage(),
                             wall_time_s=time.monotonic() - started,
                             trajectory_path=job.trajectory_path if trajectory_file.exists() else None
                             ).model_dump(mode="json")
    error = infrastructure_failure(trajectory)
    errored = error is not None
    if errored:
        _drop_env(env_key)
        _agents().pop(agent_key, None)
    return EpisodeResult(**base, status="errored" if errored else "done", error=error,
                         score=None if errored else trajectory.score, termination=trajectory.termination,
                         usage=trajectory.usage or ModelUsage(), steps=len(trajectory.steps),
                         wall_time_s=time.monotonic() - started, trajectory_path=job.trajectory_path,
                         **result_fields(trajectory)).model_dump(mode="json")


def infrastructure_failure(trajectory: Trajectory) -> str | None:
    """Why the episode says nothing about the agent, or None: a provider failure ended it, the run's spending cap
    stopped it before it was played out, or a step met a dead sandbox or a defect in locogym
    (``ErrorKind.sandbox_unavailable`` / ``internal``)."""
    capped = [e.get("message", "") for e in trajectory.events if e.get("kind") == "spend_cap"]
    if capped:
        return f"{SPEND_CAP_ERROR}: {capped[-1]}"[:2000]
    if trajectory.termination == "error":
        messages = [e.get("message", "") for e in trajectory.events if e.get("kind") == "provider_error"]
        return (messages[-1] if messages else "the episode ended with an error")[:2000]
    for step in trajectory.steps:
        if step.result.error in (ErrorKind.sandbox_unavailable, ErrorKind.internal):
            return (f"step {step.index}: {step.result.error.value}: {step.result.output.strip()[:1500]}")
    return None


def _ensure_imports(modules: list[str]) -> None:
    missing = [m for m in modules if m not in _imported]
    if missing:
        with _lock:
            import_plugins(missing)
            _imported.update(missing)


def _cache() -> OrderedDict[str, Any]:
    cache = getattr(_local, "envs", None)
    if cache is None:
        cache = OrderedDict()
        _local.envs = cache
        with _lock:
            _all_caches.append(cache)
    return cache


def _env_for(job: EpisodeJob) -> tuple[str, Any]:
    import gymnasium as gym

    kwargs = {**job.env_args, **job.env_budget, "sandbox": job.sandbox, "seed_salt": job.seed_salt or "",
              "salt_nonce": job.salt_nonce}
    key = f"{job.env}|{stable_hash(kwargs)}"
    cache = _cache()
    env = cache.get(key)
    if env is None:
        env = gym.make(job.env, **kwargs)
        cache[key] = env
        while len(cache) > _ENVS_PER_WORKER:
            _old_key, old = cache.popitem(last=False)
            old.close()
    cache.move_to_end(key)
    return key, env


def _agents() -> dict[str, Any]:
    agents = getattr(_local, "agents", None)
    if agents is None:
        agents = {}
        _local.agents = agents
    return agents


def _agent_for(job: EpisodeJob) -> tuple[str, Any]:
    from locogym.agents import make_agent

    key = f"{job.agent_spec}|{stable_hash(job.agent_settings)}"
    agents = _agents()
    agent = agents.get(key)
    if agent is None:
        agent = make_agent(job.agent_spec, **job.agent_settings)
        agents[key] = agent
    return key, agent


def _drop_env(key: str) -> None:
    cache = _cache()
    env = cache.pop(key, None)
    if env is not None:
        try:
            env.close()
        except Exception:  # noqa: BLE001 - the env is already broken; closing is best effort
            pass


def close_all() -> None:
    """Close every cached env of this process (their sandboxes with them). Safe to call more than once."""
    with _lock:
        caches = list(_all_caches)
    for cache in caches:
        while cache:
            _key, env = cache.popitem()
            try:
                env.close()
            except Exception:  # noqa: BLE001 - shutting down; one failure must not leak the others
                pass


def init_pool_worker() -> None:
    """Process-pool initializer: close this worker's envs (and sandboxes) when the pool shuts it down.

    Pool workers leave through ``os._exit``, which skips ``atexit``; multiprocessing's own finalizers still run.
    """
    import signal
    import warnings
    from multiprocessing import util

    from locogym.sandboxes.local import LocalSandboxWarning

    # The tournament said once, before starting, that episodes run without isolation; workers do not repeat it.
    warnings.filterwarnings("ignore", category=LocalSandboxWarning)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the pool
    signal.signal(signal.SIGTERM, _terminated)
    util.Finalize(None, close_all, exitpriority=10)
    _die_with_parent()


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (the tournament died, or abandoned its episodes): remove this process's containers, then leave.

    The signal lands in the middle of whatever the episode was doing — possibly inside its own sandbox call,
    holding that sandbox's locks — so nothing here touches the cached envs: the containers are found by their
    owner label through a fresh engine connection, and a timer makes sure the process leaves even if the engine
    does not answer. (Graceful exits close the envs through the pool's finalizer instead.)
    """
    import os
    import sys
    import threading

    threading.Timer(15.0, os._exit, args=(128 + signum,)).start()
    try:
        if "locogym.sandboxes.docker" in sys.modules:
            _remove_own_containers()
    finally:
        os._exit(128 + signum)


def _remove_own_containers() -> None:
    from locogym.sandboxes.image import LABEL, docker_client
    from locogym.sandboxes.owner import current_owner

    try:
        client = docker_client()
        mine = f"{LABEL}.owner={current_owner().token}"  # not the pid: another namespace may use the same one
        for container in client.containers.list(all=True, filters={"label": mine}):
            container.remove(force=True)
    except Exception:  # noqa: BLE001 - best effort while dying; the next tournament prunes what is left
        pass


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this worker when the tournament process dies (even by SIGKILL), so none lingers."""
    import ctypes
    import os
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
