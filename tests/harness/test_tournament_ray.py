"""``--backend ray`` on a local Ray instance: the same schedule, the same results as the local backend.

Ray is the ``ray`` extra: required in CI (fails there when missing), skipped elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console

from locogym.harness.schedule import build_config
from locogym.harness.tournament import run_tournament
from tests.fixture_family import FIXTURE_ID, register

register()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _ray() -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("Ray is required in CI (pip install -e '.[ray]') but is not installed")
        pytest.skip("Ray is not installed (pip install -e '.[ray]')")


@pytest.mark.slow
def test_ray_backend_runs_the_same_schedule_with_the_same_results(tmp_path: Path) -> None:
    _ray()
    raw = {"agents": ["oracle", "noop", "random"], "envs": [FIXTURE_ID], "lengths": ["1k", "2k"], "seeds": 2,
           "imports": ["tests.fixture_family"], "sandbox": "fake"}
    quiet = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    on_ray = run_tournament(build_config({**raw, "backend": "ray", "out": str(tmp_path / "ray")}), console=quiet,
                            live=False)
    local = run_tournament(build_config({**raw, "out": str(tmp_path / "local")}), console=quiet, live=False)
    assert on_ray.done == local.done == 12 and on_ray.errored == 0
    assert {k: (r.score, r.steps) for k, r in on_ray.results.items()} == \
        {k: (r.score, r.steps) for k, r in local.results.items()}
    for result in on_ray.results.values():  # trajectories were written by the Ray workers into the run folder
        assert (tmp_path / "ray" / result.trajectory_path).exists()  # type: ignore[operator]
    # resuming on Ray skips what is done
    again = run_tournament(build_config({**raw, "backend": "ray", "out": str(tmp_path / "ray")}), console=quiet,
                           live=False)
    assert (again.skipped, again.done) == (12, 0)
