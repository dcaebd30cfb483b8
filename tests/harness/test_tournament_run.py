"""Running tournaments: results, resuming, errored episodes, provider limits, SIGINT and SIGKILL.

This module also registers two test envs (it is named in the tournaments' ``imports`` so pool workers and
subprocesses load them too): a fixture whose steps take a while, and one whose generator fails for odd seeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from locogym.core.ladder import too_short
from locogym.core.types import ScenarioConfig, Task, ToolCall, ToolResult
from locogym.envs import register_family, unregister_family
from locogym.harness.rundir import RunDir
from locogym.harness.schedule import build_config, plan
from locogym.harness.tournament import run_tournament
from locogym.testing import Reply, ScriptedServer, Usage
from locogym.tools.base import ToolContext
from tests.fixture_family import FIXTURE_ID, FixtureEnv
from tests.fixture_family import register as register_fixture

ROOT = Path(__file__).resolve().parents[2]
SLOW_ID = "LoCo-SlowFixture-v0"
BROKEN_ID = "LoCo-BrokenFixture-v0"
DYING_ID = "LoCo-DyingFixture-v0"
LOST_ID = "LoCo-LostSandboxFixture-v0"
REFUSING_ID = "LoCo-RefusingFixture-v0"
PLUGIN = "tests.harness.test_tournament_run"
STEP_SECONDS = 0.15


class SlowFixtureEnv(FixtureEnv):
    """The fixture family with a pause after every step: episodes long enough to be killed mid-run."""

    env_id = SLOW_ID

    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        time.sleep(STEP_SECONDS)
        return {}


class BrokenFixtureEnv(FixtureEnv):
    """The fixture family with a defect: its generator raises for odd seeds."""

    env_id = BROKEN_ID

    def generate(self, config: ScenarioConfig) -> Task:
        if config.seed % 2:
            raise RuntimeError(f"generator defect on seed {config.seed}")
        return super().generate(config)


class DyingFixtureEnv(FixtureEnv):
    """The fixture family whose process dies outright on seed 1 (a crash no exception handler sees)."""

    env_id = DYING_ID

    def generate(self, config: ScenarioConfig) -> Task:
        if config.seed == 1:
            os._exit(3)
        return super().generate(config)


class LostSandboxFixtureEnv(FixtureEnv):
    """The fixture family whose sandbox is gone by the time any tool runs on seed 1."""

    env_id = LOST_ID

    def prepare_sandbox(self, task: Task, sandbox: Any) -> None:
        super().prepare_sandbox(task, sandbox)
        if task.task_id == "fixture-1":
            sandbox.close()
            sandbox.read_file = _gone
            sandbox.glob = _gone


def _gone(*_: Any, **__: Any) -> Any:
    from locogym.core.errors import SandboxUnavailable

    raise SandboxUnavailable("the container exited (137)")


class RefusingFixtureEnv(FixtureEnv):
    """The fixture family whose odd seeds need 2k tokens: a shorter length refuses them (a valid option that
    cannot make that seed's task), which is neither a failure nor the agent's result."""

    env_id = REFUSING_ID

    def generate(self, config: ScenarioConfig) -> Task:
        if config.seed % 2 and config.length < 2048:
            raise too_short(config.length, 2048, "this seed's notes")
        return super().generate(config)


FAMILIES = (SlowFixtureEnv, BrokenFixtureEnv, DyingFixtureEnv, LostSandboxFixtureEnv, RefusingFixtureEnv)


def register() -> None:
    """Called by every worker process that imports this module (``imports`` of the tournament)."""
    register_fixture()
    for family in FAMILIES:
        register_family(family)


@pytest.fixture(autouse=True, scope="module")
def _families() -> Iterator[None]:
    """Registered for this module's tests only: other modules that list every family must not meet a family
    that kills its process on purpose."""
    register()
    yield
    for family in FAMILIES:
        unregister_family(family.env_id)


def config(tmp_path: Path, **change: Any) -> Any:
    raw = {"agents": ["oracle", "noop"], "envs": [FIXTURE_ID], "lengths": ["1k", "2k"], "seeds": 2,
           "imports": [PLUGIN], "sandbox": "fake", "workers": 2, "out": str(tmp_path / "run")}
    return build_config({**raw, **change})


def quiet() -> Console:
    return Console(file=open(os.devnull, "w"), width=100)  # noqa: SIM115 - closed with the process


@pytest.mark.slow
def test_a_tournament_records_every_episode_with_its_trajectory(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    summary = run_tournament(cfg, console=quiet(), live=False)
    assert (summary.planned, summary.done, summary.errored, summary.skipped) == (8, 8, 0, 0)
    assert summary.complete
    results = list(summary.results.values())
    assert {r.agent: r.score.success for r in results if r.score} == {"oracle": 1.0, "noop": 0.0}
    from locogym.harness.recorder import read_trajectory

    for r in results:
        traj = read_trajectory(tmp_path / "run" / r.trajectory_path)  # type: ignore[operator]
        assert traj.episode_key == r.key and traj.score == r.score and len(traj.steps) == r.steps
    plan_record = RunDir(tmp_path / "run").read_plan()
    assert plan_record is not None and plan_record["episodes"] == 8 and plan_record["sandbox"] == "fake"


@pytest.mark.slow
def test_a_second_run_skips_finished_episodes_and_writes_nothing(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    run_tournament(cfg, console=quiet(), live=False)
    before = (tmp_path / "run" / "episodes.jsonl").read_bytes()
    again = run_tournament(cfg, console=quiet(), live=False)
    assert (again.skipped, again.done, again.errored) == (8, 0, 0)
    assert (tmp_path / "run" / "episodes.jsonl").read_bytes() == before
    # a bigger tournament in the same folder runs only what is new
    more = run_tournament(config(tmp_path, seeds=3), console=quiet(), live=False)
    assert (more.skipped, more.done) == (8, 4)


@pytest.mark.slow
def test_errors_in_env_code_are_errored_episodes_kept_apart_and_retried_on_request(tmp_path: Path) -> None:
    cfg = config(tmp_path, envs=[BROKEN_ID, FIXTURE_ID], agents=["oracle", "heuristic"], lengths=["1k"])
    summary = run_tournament(cfg, console=quiet(), live=False)
    errored = [r for r in summary.results.values() if r.status == "errored"]
    # the broken generator fails on odd seeds, whichever agent plays; the fixture family itself is sound
    assert sorted((r.env, r.agent, r.seed) for r in errored) == sorted(
        [(BROKEN_ID, "oracle", 1), (BROKEN_ID, "heuristic", 1)])
    assert all(r.score is None and r.termination == "error" for r in errored)
    assert all("generator defect on seed 1" in (r.error or "") for r in errored)
    assert not summary.complete
    skipped = run_tournament(cfg, console=quiet(), live=False)
    assert (skipped.done, skipped.errored) == (0, 0)
    retried = run_tournament(cfg, retry_errored=True, console=quiet(), live=False)
    assert retried.errored == 2 and retried.skipped == 6
    lines = RunDir(tmp_path / "run").read_results()
    assert len(lines) == 8 + 2  # the retries were appended; the latest line of each key wins


def test_a_task_a_length_cannot_hold_is_refused_never_retried_and_left_out_of_the_pairs(tmp_path: Path) -> None:
    from locogym.harness.report import load_run, render_markdown, summarise
    from locogym.scoring.paired import PairedCurve

    cfg = config(tmp_path, envs=[REFUSING_ID], agents=["oracle"], workers=1)
    summary = run_tournament(cfg, console=quiet(), live=False)
    refused = [r for r in summary.results.values() if r.status == "refused"]
    assert [(r.seed, r.length) for r in refused] == [(1, 1024)] and summary.refused == 1
    assert refused[0].score is None and "cannot hold this task's core" in (refused[0].error or "")
    assert summary.errored == 0 and summary.complete
    again = run_tournament(cfg, retry_errored=True, console=quiet(), live=False)
    assert (again.done, again.refused, again.skipped) == (0, 0, 4)  # refusing it again would say nothing new
    report = summarise(load_run(tmp_path / "run"))
    curve = report.curves[REFUSING_ID]["oracle"]
    assert isinstance(curve, PairedCurve) and (curve.tasks, curve.incomplete) == (1, 1)  # seed 1 has no 1k score
    assert "| oracle | LoCo-RefusingFixture-v0 | 1k | 1 | length=1,024 tokens cannot hold" in render_markdown(report)
    # `locogym score` makes a refused task again: the refusal holds; a played episode passed off as refused does not
    from locogym.harness.rescore import rescore_run

    checked = rescore_run(tmp_path / "run", sandbox="fake")
    assert [e.verdict for e in checked.refusals] == ["same"] and checked.ok
    hidden = next(r for r in summary.results.values() if (r.seed, r.length) == (0, 1024))
    with RunDir(tmp_path / "run").writer() as writer:
        writer.append(hidden.model_copy(update={"status": "refused", "score": None, "error": "too short"}))
    forged = rescore_run(tmp_path / "run", sandbox="fake")
    assert [f.what for e in forged.failed for f in e.findings] == ["refusal"]


@pytest.mark.slow
def test_a_sandbox_that_dies_mid_episode_makes_an_errored_episode(tmp_path: Path) -> None:
    summary = run_tournament(config(tmp_path, envs=[LOST_ID], agents=["oracle"], lengths=["1k"]), console=quiet(),
                             live=False)
    by_seed = {r.seed: r for r in summary.results.values()}
    assert by_seed[0].status == "done" and by_seed[0].score.success == 1.0  # type: ignore[union-attr]
    assert by_seed[1].status == "errored" and by_seed[1].score is None
    assert "sandbox_unavailable" in (by_seed[1].error or "") and "exited (137)" in (by_seed[1].error or "")


@pytest.mark.slow
def test_provider_limits_cap_episodes_in_flight_and_usage_is_recorded(tmp_path: Path) -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow_submit(_request: Any) -> Reply:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        return Reply.call("submit", {"answer": "nothing"}, usage=Usage(input=100, output=7))

    with ScriptedServer(fallback=slow_submit) as server:
        agent = {"spec": "openai-compatible/scripted", "base_url": server.openai_base_url, "cache": False}
        cfg = config(tmp_path, agents=[agent], seeds=4, concurrency={"openai-compatible": 3})
        summary = run_tournament(cfg, console=quiet(), live=False)
    assert summary.done == 8 and summary.errored == 0
    assert state["peak"] == 3
    assert all(r.usage.input == 100 and r.usage.output == 7 for r in summary.results.values())


@pytest.mark.slow
def test_a_provider_that_refuses_is_an_errored_episode_not_a_wrong_answer(tmp_path: Path) -> None:
    from locogym.testing import HttpError

    with ScriptedServer(fallback=HttpError(401, "Invalid API key provided.")) as server:
        agent = {"spec": "openai-compatible/scripted", "base_url": server.openai_base_url, "cache": False}
        summary = run_tournament(config(tmp_path, agents=[agent], lengths=["1k"], seeds=1), console=quiet(),
                                 live=False)
    [result] = summary.results.values()
    assert result.status == "errored" and result.score is None and result.termination == "error"
    assert result.error


@pytest.mark.slow
def test_a_cost_budget_stops_new_episodes(tmp_path: Path) -> None:
    with ScriptedServer(fallback=Reply.call("submit", {}, usage=Usage(input=1_000_000, output=0))) as server:
        agent = {"spec": "openai-compatible/gpt-4o", "base_url": server.openai_base_url, "cache": False,
                 "prices": {"openai-compatible/gpt-4o": {"input": 1.0, "output": 1.0}}}
        cfg = config(tmp_path, agents=[agent], seeds=4, concurrency={"openai-compatible": 1},
                     max_total_cost_usd=2.0)
        summary = run_tournament(cfg, console=quiet(), live=False)
    assert summary.stopped_by_budget
    assert summary.done == 2  # $1 per episode: the second reaches the $2 budget, nothing more starts


@pytest.mark.slow
def test_a_worker_process_that_dies_fails_only_its_episode_and_is_replaced(tmp_path: Path) -> None:
    import asyncio

    from locogym.harness.threaded_pool import ThreadedProcessPool, WorkerDied

    jobs = plan(config(tmp_path, envs=[DYING_ID], agents=["oracle"], lengths=["1k"], seeds=2))
    dying = next(j for j in jobs if j.seed == 1)
    healthy = next(j for j in jobs if j.seed == 0)
    pool = ThreadedProcessPool(1, 2, str(tmp_path / "run"))

    async def play() -> tuple[object, object]:
        try:
            first: object = await pool.run(dying.model_dump(mode="json"))
        except WorkerDied as exc:
            first = exc
        return first, await pool.run(healthy.model_dump(mode="json"))

    try:
        first, second = asyncio.run(play())
    finally:
        pool.close()
    assert isinstance(first, WorkerDied) and "code 3" in str(first)
    assert isinstance(second, dict) and second["status"] == "done"


# ------------------------------------------------------------------------------------------- killing the run
def _cli(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from locogym.cli import main; main()", "tournament", "--import", PLUGIN,
            "--envs", SLOW_ID, "--agents", "oracle,noop", "--lengths", "1k,2k", "--seeds", "4", "--sandbox", "fake",
            "--workers", "2", "--no-report", "--out", str(out), *extra]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}


def _wait_for_lines(path: Path, lines: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= lines:
            return
        assert proc.poll() is None, "the tournament ended before it could be interrupted"
        time.sleep(0.02)
    raise AssertionError(f"no {lines} results within {timeout} s")


def _check_complete(out: Path) -> None:
    planned = {j.key for j in plan(build_config({"agents": ["oracle", "noop"], "envs": [SLOW_ID],
                                                 "lengths": ["1k", "2k"], "seeds": 4, "imports": [PLUGIN]}))}
    keys = [r.key for r in RunDir(out).read_results()]
    duplicated = [k for k, n in Counter(keys).items() if n > 1]
    assert not duplicated, f"episodes run twice: {duplicated}"
    assert set(keys) == planned, f"episodes lost: {planned - set(keys)}"


@pytest.mark.slow
def test_sigkill_then_resume_loses_nothing_and_runs_nothing_twice(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(_cli(out), cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_lines(out / "episodes.jsonl", 5, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    finished_before = {r.key for r in RunDir(out).read_results()}
    assert 5 <= len(finished_before) < 16
    resumed = subprocess.run(_cli(out), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{16 - len(finished_before)} episodes run, {len(finished_before)} already done" in " ".join(
        resumed.stdout.split())
    _check_complete(out)


@pytest.mark.slow
def test_sigint_finishes_running_episodes_then_resume_completes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(_cli(out), cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_lines(out / "episodes.jsonl", 3, proc)
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr.decode()[-2000:]
    assert b"interrupted" in stderr
    assert (out / "episodes.jsonl").read_bytes().endswith(b"\n")
    resumed = subprocess.run(_cli(out), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    _check_complete(out)
