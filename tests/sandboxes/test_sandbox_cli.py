"""``locogym sandbox build|doctor|prune`` through the real command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from locogym.cli import app


@pytest.mark.docker
def test_build_is_a_no_op_when_the_image_exists_and_doctor_reports_docker(docker_engine: None) -> None:
    runner = CliRunner()
    built = runner.invoke(app, ["sandbox", "build"])
    assert built.exit_code == 0, built.output
    assert "nothing to build" in built.output
    doctor = runner.invoke(app, ["sandbox", "doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "picks: docker" in doctor.output


@pytest.mark.docker
def test_prune_runs(docker_engine: None) -> None:
    result = CliRunner().invoke(app, ["sandbox", "prune"])
    assert result.exit_code == 0 and "removed" in result.output
