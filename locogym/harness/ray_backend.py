"""``--backend ray``: the same schedule, each episode a Ray task, its sandbox created on the worker that plays it.

The driver keeps everything that must have one owner — the per-provider concurrency limits, the run folder's
single writer, the progress view — and ships only the episode (a dict) to the cluster. A worker writes the
trajectory under the run folder's path, so on a multi-machine cluster that folder must be on shared storage
(the same path on every node); on one machine it simply is.

Model-free episodes ask Ray for one CPU each (they are CPU work); model-backed episodes ask for a quarter of one,
since they spend their time waiting on the provider. Ray decides when its worker processes end, so an episode
closes its env and sandbox when it finishes rather than keeping them for the next one.

Workers find locogym where this process found it, whatever folder the tournament was started from: the folder
that holds the imported package goes first on their ``PYTHONPATH``. (Started from a folder that has a
``locogym/`` directory of its own — a checkout's data, a run folder — a worker would otherwise import that
directory as an empty namespace package and fail every episode.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from locogym.core.errors import ConfigError
from locogym.harness.schedule import BASELINE_PROVIDER, EpisodeJob
from locogym.harness.worker import execute_episode

MODEL_TASK_CPUS = 0.25


def worker_python_path() -> str:
    """``PYTHONPATH`` for workers: the folder holding this locogym package first, then this process's import path
    made absolute (plugin modules named by ``imports`` are found as here)."""
    package_root = str(Path(__file__).resolve().parents[2])  # locogym/harness/ray_backend.py -> the package's parent
    entries = [package_root]
    for entry in sys.path:
        absolute = str(Path(entry or os.getcwd()).resolve())
        if absolute not in entries:
            entries.append(absolute)
    return os.pathsep.join(entries)


class RayExecutor:
    """Runs episodes as Ray tasks on the cluster at ``address`` (``None``: start or join a local instance).

    Raises:
        ConfigError: Ray is not installed, or the cluster cannot be reached.
    """

    def __init__(self, run_root: Path, address: str | None = None, **init_kwargs: Any) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError("--backend ray needs Ray.", fix="pip install 'locogym[ray]'.") from None
        self._ray = ray
        self.run_root = str(run_root)
        self._started_here = False
        if not ray.is_initialized():
            # Workers import locogym (and any plugin modules) the way this process does.
            runtime_env = {"env_vars": {"PYTHONPATH": worker_python_path()}}
            try:
                ray.init(address=address, runtime_env=runtime_env, include_dashboard=False,
                         log_to_driver=False, **init_kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ConfigError(f"Cannot reach the Ray cluster at {address or 'a local instance'}: {exc}.",
                                  fix="Check --ray-address (ray://HOST:10001 or HOST:6379) and that the cluster "
                                      "is up (`ray status`).") from exc
            self._started_here = True
        self._remote = ray.remote(max_retries=0)(execute_episode)

    async def run(self, job: EpisodeJob) -> dict[str, Any]:
        cpus = 1.0 if job.provider == BASELINE_PROVIDER else MODEL_TASK_CPUS
        ref = self._remote.options(num_cpus=cpus, name=f"episode:{job.agent}:{job.env}:{job.seed}").remote(
            job.model_dump(mode="json"), self.run_root, False)  # Ray owns its workers: leave no sandbox behind
        return await ref

    def close(self, abandon: bool = False) -> None:
        if self._started_here:
            self._ray.shutdown()
            self._started_here = False
