"""How a patch or review env reads its tasks from the task store (:mod:`locogym.scenarios.defects.store`).

A reset looks the task up under its key first; a hit skips generation, and with it every run of the project's
tests. A miss generates the task as usual and stores it, so the next reset of that key, in this process or any
other, is a hit. An entry that fails its checks is never used: a warning names it and why, and the task is built
again and written over it. A store that cannot be written (read-only, full) still serves its hits; a task it
cannot take is returned all the same, with a warning.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from locogym.core.errors import ConfigError
from locogym.core.salt import SaltKey
from locogym.core.types import ScenarioConfig, Task
from locogym.scenarios.defects.growth import CORE_TOKENS
from locogym.scenarios.defects.project import is_synthetic, load_project
from locogym.scenarios.defects.store import STORE_ENV, StoreEntryInvalid, StoreKey, TaskStore


class StoringEnv(Protocol):
    """What the store needs of a patch or review env (:class:`locogym.envs.defects.DefectEnv` has it)."""

    image: str | None
    salt_key: SaltKey | None
    task_store: TaskStore | None
    last_task_origin: str | None

    @property
    def env_id(self) -> str: ...

    @property
    def family(self) -> str: ...

    @classmethod
    def generator_fingerprint(cls) -> str: ...

    def grading_backend(self) -> str: ...


TaskOrigin = Literal["store", "built", "rebuilt"]


class TaskStoreWarning(UserWarning):
    """A stored task failed its checks and was built again, or a built task could not be stored."""


def open_store(task_store: str | Path | bool | None) -> TaskStore | None:
    """The store an env reads: a folder, ``True`` for the default folder, ``False`` for none, ``None`` for
    ``$LOCOGYM_TASK_STORE`` when it is set (else none)."""
    if task_store is None:
        explicit = os.environ.get(STORE_ENV)
        return TaskStore(explicit) if explicit else None
    if task_store is True:
        return TaskStore()
    if task_store is False:
        return None
    if isinstance(task_store, str | Path) and str(task_store):
        return TaskStore(task_store)
    raise ConfigError(f"task_store={task_store!r} is not a folder or a boolean.",
                      fix="Pass a folder, True (the default folder, see docs/task-store.md) or False.")


def store_key(env: StoringEnv, config: ScenarioConfig) -> StoreKey:
    """The key of ``config``'s task in ``env``: a real project named by its content (its folder and ``ref``
    left out, as they are from the task itself), the generator's fingerprint, the backend, image and salt."""
    identity = config.identity()
    source = str(config.params.get("source", "synthetic"))
    project = "synthetic"
    if not is_synthetic(source):
        tree = load_project(source, config.params.get("ref"), 0, CORE_TOKENS)
        project = f"{tree.name}@{tree.commit}"
        params = {k: v for k, v in identity["params"].items() if k != "ref"}
        identity["params"] = {**params, "source": f"content:{tree.commit}"}
    return StoreKey(env_id=env.env_id, family=env.family, project=project, config=identity,
                    generator=type(env).generator_fingerprint(), backend=env.grading_backend(), image=env.image,
                    salt=env.salt_key.fingerprint if env.salt_key is not None else None)


def stored_task(env: StoringEnv, config: ScenarioConfig, build: Callable[[], Task]) -> Task:
    """``config``'s task from ``env``'s store, or ``build()`` and store it. ``env.last_task_origin`` says which."""
    store = env.task_store
    assert store is not None
    key = store_key(env, config)
    origin: TaskOrigin = "built"
    try:
        found = store.get(key)
    except StoreEntryInvalid as exc:
        warnings.warn(f"{exc.message} It is built again and replaced.", TaskStoreWarning, stacklevel=3)
        found, origin = None, "rebuilt"
    if found is not None:
        env.last_task_origin = "store"
        return found
    started = time.perf_counter()
    task = build()
    try:
        store.put(key, task, time.perf_counter() - started)
    except OSError as exc:  # a read-only or full store still serves its hits; this task is sound either way
        warnings.warn(f"The task of seed {config.seed} could not be stored in {store.root} ({exc}); the next reset "
                      "builds it again. Make the folder writable, or pass task_store= another folder.",
                      TaskStoreWarning, stacklevel=3)
    env.last_task_origin = origin
    return task
