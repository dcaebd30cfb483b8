"""The task store: keyed by everything that decides a task, written atomically, checked on every read, and never
filled with what a loaded machine's time-out made. Generation itself is replaced by a recorded stand-in here (a
real build runs the project's tests for minutes; ``test_task_store_real.py`` builds one)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gymnasium as gym
import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner

from locogym.cli import tasks as tasks_cli
from locogym.cli.app import app
from locogym.core.errors import SandboxTimeout
from locogym.core.types import ScenarioConfig, Task, ToolCall
from locogym.envs.defects import DefectEnv
from locogym.envs.stored import TaskStoreWarning, store_key
from locogym.harness.task_build import BuildJob, build_job
from locogym.scenarios.defects import store as store_module
from locogym.scenarios.defects.store import StoreEntryInvalid, StoreKey, TaskStore
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def write_project(folder: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return folder


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "calc", CALC)


def stand_in_task(config: ScenarioConfig) -> Task:
    """A task that names its config, as a generator's would (it stands in for minutes of test runs)."""
    return Task(task_id=f"review-calc-{config.seed}", family="repo_review", prompt=f"review seed {config.seed} at "
                f"{config.length} ({config.params.get('tier', 'purpose')})", tool_names=["read_file", "submit"],
                workspace=dict(CALC), gold={"defects": [{"path": "calc/core.py", "line": 7}]},
                oracle_plan=[ToolCall(name="submit", arguments={"answer": []})], length_tokens=config.length,
                meta={"source": "stand-in"}).with_hash()


@pytest.fixture()
def make_env(tmp_path: Path, project: Path) -> Iterator[Callable[..., DefectEnv]]:
    """Review envs on the tiny project whose generation is the stand-in, counting how often it ran."""
    made: list[gym.Env[Any, Any]] = []

    def make(source: Path = project, generate: Callable[[ScenarioConfig], Task] = stand_in_task,
             **kwargs: Any) -> DefectEnv:
        env = gym.make("LoCo-RepoReview-v0", sandbox="local", source=str(source),
                       **{"task_store": str(tmp_path / "store"), **kwargs})
        made.append(env)
        base = env.unwrapped
        assert isinstance(base, DefectEnv)
        base.generated = 0  # type: ignore[attr-defined]

        def counted(config: ScenarioConfig) -> Task:
            base.generated += 1  # type: ignore[attr-defined]
            return generate(config)

        base.generate = counted  # type: ignore[method-assign]
        return base

    yield make
    for env in made:
        env.close()


def key_of(env: DefectEnv, seed: int = 0, **options: Any) -> StoreKey:
    return store_key(env, env.make_config(seed, {"length": "8k", **options}))


def test_the_key_names_the_project_by_content_and_every_option(make_env: Callable[..., DefectEnv], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_env()
    key = key_of(env)
    moved = make_env(source=write_project(tmp_path / "elsewhere" / "calc", CALC))
    assert key_of(moved) == key  # the same code in another folder: the same task, the same key
    assert key.project.startswith("calc@") and "content:" in key.config["params"]["source"]
    edited = make_env(source=write_project(tmp_path / "edited" / "calc",
                                           {**CALC, "calc/core.py": CALC["calc/core.py"] + "\n# edited\n"}))
    digests = {key.digest(), key_of(edited).digest(), key_of(env, seed=1).digest(),
               key_of(env, length="32k").digest(), key_of(env, tier="refactor").digest(),
               key_of(env, difficulty="hard").digest(), key_of(make_env(window=5)).digest()}
    assert len(digests) == 7  # content, seed, length, tier, difficulty and an env argument each change the key
    monkeypatch.setattr(type(env), "generator_fingerprint", classmethod(lambda cls: "other-generator-code"))
    assert key_of(env).digest() != key.digest()  # changed generator code never reads an old entry


def test_a_reset_reads_the_stored_task_and_a_miss_builds_and_stores_it(make_env: Callable[..., DefectEnv]) -> None:
    first = make_env()
    obs, info = first.reset(seed=3, options={"length": "8k"})
    assert (first.last_task_origin, first.generated) == ("built", 1)  # type: ignore[attr-defined]
    second = make_env()  # another env (another process would do the same): nothing generated
    obs_again, info_again = second.reset(seed=3, options={"length": "8k"})
    assert (second.last_task_origin, second.generated) == ("store", 0)  # type: ignore[attr-defined]
    assert (obs_again, info_again["content_hash"]) == (obs, info["content_hash"])
    assert second.task == first.task
    second.reset(seed=3, options={"length": "32k"})  # another length is another entry
    assert (second.last_task_origin, second.generated) == ("built", 1)  # type: ignore[attr-defined]


def test_without_a_store_nothing_is_read_or_written(make_env: Callable[..., DefectEnv], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(store_module.STORE_ENV, raising=False)
    env = make_env(task_store=None)
    env.reset(seed=0)
    assert env.task_store is None and env.last_task_origin is None and not (tmp_path / "store").exists()
    monkeypatch.setenv(store_module.STORE_ENV, str(tmp_path / "from-env"))
    assert make_env(task_store=None).task_store.root == tmp_path / "from-env"  # type: ignore[union-attr]
    assert make_env(task_store=False).task_store is None


def test_a_write_that_fails_midway_leaves_the_old_entry_whole(make_env: Callable[..., DefectEnv], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_env()
    store = TaskStore(tmp_path / "store")
    key = key_of(env)
    config = env.make_config(0, {"length": "8k"})
    old = stand_in_task(config)
    path = store.put(key, old, 1.0)
    newer = old.model_copy(update={"prompt": "another build", "content_hash": ""}).with_hash()

    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_module.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put(key, newer, 1.0)
    assert store.get(key) == old  # the entry a reader finds is the old one, whole
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # and no temporary file is left behind
    monkeypatch.undo()
    assert not any(n.startswith(".tmp-") for n in os.listdir(path.parent))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def _alter_task(path: Path) -> None:
    raw = orjson.loads(path.read_bytes())
    raw["task"]["gold"]["defects"][0]["line"] = 99  # the gold moved, the content hash did not
    path.write_bytes(orjson.dumps(raw))


def _other_format(path: Path) -> None:
    raw = orjson.loads(path.read_bytes())
    raw["format"] = 0
    path.write_bytes(orjson.dumps(raw))


@pytest.mark.parametrize(("damage", "reason"), [(_truncate, "cannot be read as JSON"),
                                                (_alter_task, "was altered after it was built"),
                                                (_other_format, "has format 0")])
def test_a_corrupt_or_altered_entry_is_refused_and_rebuilt(make_env: Callable[..., DefectEnv], tmp_path: Path,
                                                           damage: Callable[[Path], None], reason: str) -> None:
    env = make_env()
    env.reset(seed=0)
    store = env.task_store
    assert store is not None
    key = key_of(env, length=env.default_length)
    damage(store.path(key))
    with pytest.raises(StoreEntryInvalid, match=reason):
        store.get(key)
    again = make_env()
    with pytest.warns(TaskStoreWarning, match=reason):
        again.reset(seed=0)
    assert (again.last_task_origin, again.generated) == ("rebuilt", 1)  # type: ignore[attr-defined]
    assert store.get(key) == again.task  # replaced by a sound entry


def test_an_entry_under_another_keys_name_is_refused(make_env: Callable[..., DefectEnv]) -> None:
    env = make_env()
    env.reset(seed=0)
    env.reset(seed=1)
    store = env.task_store
    assert store is not None
    one, two = (store.path(key_of(env, seed=s, length=env.default_length)) for s in (0, 1))
    two.write_bytes(one.read_bytes())
    with pytest.raises(StoreEntryInvalid, match="does not hash to its name"):
        store.get(key_of(env, seed=1, length=env.default_length))


def test_a_build_timed_out_by_load_is_retried_and_a_time_out_is_never_stored(
        make_env: Callable[..., DefectEnv], project: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0, "fail": 2}

    def loaded(config: ScenarioConfig) -> Task:
        calls["n"] += 1
        if calls["n"] <= calls["fail"]:
            raise SandboxTimeout("The test suite of calc did not finish on the clean project.")
        return stand_in_task(config)

    env = make_env(generate=loaded)
    kept_open = SimpleNamespace(close=lambda: None)  # both builds use this env
    monkeypatch.setattr("locogym.harness.task_build.store_env", lambda env_id, kwargs: (kept_open, env))
    job = BuildJob("LoCo-RepoReview-v0", 0, ("8k",), {})
    [result] = build_job(job, retries=2, pause=0)
    assert (result.status, result.attempts, calls["n"]) == ("built", 3, 3)
    assert env.task_store is not None and env.task_store.get(key_of(env)) is not None

    calls.update(n=0, fail=99)
    [failed] = build_job(BuildJob("LoCo-RepoReview-v0", 1, ("8k",), {}), retries=1, pause=0)
    assert (failed.status, failed.attempts) == ("failed", 2) and "timed out on every try" in failed.message
    assert env.task_store.get(key_of(env, seed=1)) is None  # nothing of the time-out was kept


def test_verify_names_stale_and_invalid_entries_and_removes_them(make_env: Callable[..., DefectEnv], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the command's console is made once, at import, with the width of whatever terminal was there: fix it
    monkeypatch.setattr(tasks_cli, "console", Console(width=200))
    env = make_env()
    env.reset(seed=0)
    env.reset(seed=1)
    store = env.task_store
    assert store is not None
    _truncate(store.path(key_of(env, seed=1, length=env.default_length)))
    runner = CliRunner()
    listed = runner.invoke(app, ["tasks", "list", "--store", str(store.root)], terminal_width=200)
    assert listed.exit_code == 0 and "1 usable of 2" in listed.output and "calc@" in listed.output
    checked = runner.invoke(app, ["tasks", "verify", "--store", str(store.root)], terminal_width=200)
    assert checked.exit_code == 1 and "invalid" in checked.output and "cannot be read as JSON" in checked.output
    monkeypatch.setattr(type(env), "generator_fingerprint", classmethod(lambda cls: "newer-generator-code"))
    stale = runner.invoke(app, ["tasks", "verify", "--store", str(store.root), "--remove"], terminal_width=200)
    assert stale.exit_code == 0 and "stale" in stale.output and "removed 2" in stale.output
    assert list(store.entries()) == []


def test_a_store_that_cannot_be_written_still_serves_the_built_task(make_env: Callable[..., DefectEnv],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_env()

    def full(self: TaskStore, key: StoreKey, task: Task, build_seconds: float) -> Path:
        raise OSError("No space left on device")

    monkeypatch.setattr(TaskStore, "put", full)
    with pytest.warns(TaskStoreWarning, match="could not be stored .*No space left"):
        env.reset(seed=0)
    assert env.task is not None and env.last_task_origin == "built"


def test_the_generator_fingerprint_follows_every_source_file_but_the_skipped(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    package = write_project(tmp_path / "code", {"gen_pkg/__init__.py": "", "gen_pkg/draw.py": "N = 1\n",
                                                "gen_pkg/sub/__init__.py": "", "gen_pkg/sub/deep.py": "M = 2\n",
                                                "gen_pkg/keep.py": "K = 3\n"}) / "gen_pkg"
    monkeypatch.syspath_prepend(str(tmp_path / "code"))

    def fingerprint() -> str:
        store_module.source_fingerprint.cache_clear()
        return store_module.source_fingerprint(("gen_pkg",), skip=("gen_pkg.keep",))

    before = fingerprint()
    (package / "keep.py").write_text("K = 4\n")
    assert fingerprint() == before  # the skipped module (the store itself) changes nothing
    (package / "sub" / "deep.py").write_text("M = 3\n")
    assert fingerprint() != before  # a module deep in the package does
