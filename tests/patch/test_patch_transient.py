"""A time-out during validation is never truth: it is retried with more time, never cached, and when the machine
is too loaded to tell, the draw stops instead of changing which defects a seed keeps."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from locogym.core.errors import SandboxTimeout
from locogym.sandboxes.base import Sandbox, make_sandbox
from locogym.scenarios.defects import suite as suite_module
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.inject import inject_defects
from locogym.scenarios.defects.suite import TIMEOUT_RETRY_FACTOR, Suite
from locogym.scenarios.defects.testrun import TestRun
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SLEEPY = {"test_sleepy.py": "import time\n\ndef test_sleeps():\n    time.sleep(5)\n"}


@pytest.fixture()
def box() -> Iterator[Sandbox]:
    sandbox = make_sandbox("local")
    yield sandbox
    sandbox.close()


def test_a_time_out_is_retried_with_more_time_and_never_cached(box: Sandbox, tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    suite = Suite("sleepy", "c0", SLEEPY, [], lambda: box, "local", cache, timeout=0.3)
    run = suite.run("baseline")
    assert run.timed_out and suite.executed == 2  # 0.3 s, then 0.3 x 4 s: both short of the 5 s sleep
    assert run.duration_s >= 0.3 * TIMEOUT_RETRY_FACTOR * 0.9
    assert not list(tmp_path.rglob("*.json"))  # nothing cached
    suite.run("baseline")
    assert suite.executed == 4  # asked again, it runs again: nothing remembered the time-out


def _timing_out_first(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Make the first ``times`` test runs time out, as they would on a machine under heavy load."""
    real, calls = suite_module.run_tests, [0]

    def loaded(*args: object, **kwargs: object) -> TestRun:
        calls[0] += 1
        if calls[0] <= times:
            return TestRun(exit_code=-1, timed_out=True, duration_s=float(kwargs.get("timeout") or 0))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(suite_module, "run_tests", loaded)
    return calls


def _inject(box: Sandbox, cache: RunCache) -> str:
    """The draw, without what only says how long it took or how much came from the cache."""
    injection = inject_defects("calc", "c0", CALC, count=2, rng=random.Random(3), sandbox_factory=lambda: box,
                               backend="local", cache=cache)
    return injection.model_dump_json(exclude={"runs_executed", "runs_cached", "validation_s"})


@pytest.mark.slow
def test_a_loaded_baseline_errors_and_leaves_the_draw_to_a_quiet_run(box: Sandbox, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = _inject(box, RunCache(tmp_path / "quiet"))
    loaded_cache = RunCache(tmp_path / "loaded")
    with monkeypatch.context() as patch:
        _timing_out_first(patch, 2)  # the clean suite, and its retry with more time
        with pytest.raises(SandboxTimeout, match="did not finish on the clean project") as raised:
            _inject(box, loaded_cache)
        assert "--retry-errored" in (raised.value.fix or "")
    assert not list((tmp_path / "loaded").rglob("*.json"))
    again = _inject(box, loaded_cache)  # the load has passed: the same seed draws the same defects
    assert again == quiet


@pytest.mark.slow
def test_a_candidate_timing_out_on_a_loaded_machine_stops_the_draw(box: Sandbox, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = _inject(box, RunCache(tmp_path / "quiet"))
    cache = RunCache(tmp_path / "loaded")
    Suite("calc", "c0", CALC, [], lambda: box, "local", cache).run("baseline", mode="reach")  # cached: a quiet start
    with monkeypatch.context() as patch:
        _timing_out_first(patch, 3)  # the first candidate twice, then the clean tests that would confirm a hang
        with pytest.raises(SandboxTimeout, match="too loaded to tell a hanging defect"):
            _inject(box, cache)
    assert _inject(box, cache) == quiet


@pytest.mark.slow
def test_a_defect_that_hangs_on_a_quiet_machine_is_discarded_as_a_hang(box: Sandbox, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RunCache(tmp_path)
    Suite("calc", "c0", CALC, [], lambda: box, "local", cache).run("baseline", mode="reach")
    monkeypatch.setattr(RunCache, "put", lambda self, key, run: None)  # every screening runs for real
    _timing_out_first(monkeypatch, 2)  # the first candidate hangs, twice; the clean tests then end at once
    injection = inject_defects("calc", "c0", CALC, count=2, rng=random.Random(3), sandbox_factory=lambda: box,
                               backend="local", cache=cache)
    assert injection.discarded[0].reason == "timeout" and "and 60s" in injection.discarded[0].detail


@pytest.mark.slow
def test_a_confirmation_or_recheck_timing_out_under_load_stops_the_draw(box: Sandbox, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The run that confirms the kept defects together (and rechecks them on a grown project) is a verdict too: a
    time-out there must not drop a defect or refuse a length because the machine was busy."""
    from locogym.scenarios.defects.inject import run_with_defects

    cache = RunCache(tmp_path)
    injection = inject_defects("calc", "c0", CALC, count=2, rng=random.Random(3), sandbox_factory=lambda: box,
                               backend="local", cache=cache)
    suite = Suite("calc", "c0", CALC, [], lambda: box, "local", RunCache(tmp_path / "fresh"))
    with monkeypatch.context() as patch:
        _timing_out_first(patch, 3)  # the whole suite with the defects, its retry, then the clean suite
        with pytest.raises(SandboxTimeout, match="too loaded"):
            run_with_defects(suite, injection.defects, None, None, mode="reach")
    with monkeypatch.context() as patch:
        _timing_out_first(patch, 2)  # the defects hang together; the clean suite ends at once: a real hang
        run, _ = run_with_defects(suite, injection.defects, None, None, mode="reach")
        assert run.timed_out


@pytest.mark.slow
def test_a_review_whose_benign_suite_times_out_errors_rather_than_drops_its_edits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gymnasium as gym

    import locogym  # noqa: F401 - registers the families

    env = gym.make("LoCo-RepoReview-v0", sandbox="local", cache_dir=str(tmp_path))
    try:
        base = env.unwrapped
        core = base.core(base.make_config(0, {"length": "4k"}))  # type: ignore[attr-defined]
        check = base.benign_check(core.tree, core.injection)  # type: ignore[attr-defined]
        _timing_out_first(monkeypatch, 2)
        with pytest.raises(SandboxTimeout, match="benign edits ran past its time twice"):
            check({**core.tree.files, "README.md": "edited\n"})
    finally:
        env.close()
