"""Reports and run folders tell the truth about where episodes ran and who saw the hidden task; replay fails loudly."""

from __future__ import annotations

import warnings
from pathlib import Path

import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner

from locogym.cli import app
from locogym.core.errors import ConfigError
from locogym.harness.report import load_run, summarise
from locogym.harness.report.markdown import render_markdown
from locogym.harness.rundir import RunDir
from locogym.harness.schedule import TournamentConfig, build_config, default_fields
from locogym.harness.tournament import run_tournament
from tests.harness.test_rescore_regrade import make_run, said

REPO = "LoCo-Repo-v0"


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the local sandbox warns that it does not isolate: that is the point here
        return make_run(tmp_path_factory.mktemp("local") / "run", ["noop", "oracle"], [REPO], sandbox="local")


def test_local_episodes_are_labelled_unisolated_and_references_stand_apart(local_run: Path) -> None:
    rows = [orjson.loads(line) for line in (local_run / "episodes.jsonl").read_bytes().splitlines()]
    assert {(r["sandbox"], r["sandbox_isolated"]) for r in rows} == {("local", False)}
    RunDir(local_run).write_plan({"sandbox": "docker", "keys": [r["key"] for r in rows]})  # a later invocation's word
    summary = summarise(load_run(local_run))
    assert summary.sandbox == "local" and summary.unisolated == 2
    assert [(r.agent, r.reference) for r in summary.rows] == [("noop", False), ("oracle", True)]
    markdown = render_markdown(summary)
    assert "UNISOLATED" in markdown and "| ref | oracle (reference: saw the hidden task)" in markdown
    assert "| 1 | noop |" in markdown


def test_a_run_folder_refuses_to_mix_sandboxes(local_run: Path) -> None:
    def config_of(seeds: int) -> TournamentConfig:
        return build_config({**default_fields(), "agents": ["noop", "oracle"], "envs": [REPO], "lengths": ["8k"],
                             "seeds": seeds, "sandbox": "fake", "out": str(local_run)})

    config = config_of(2)
    with pytest.raises(ConfigError, match="local sandbox") as caught:
        run_tournament(config, console=Console(quiet=True), live=False)
    assert "--sandbox local" in (caught.value.fix or "")
    again = config_of(1)  # nothing left to run: no refusal, and the plan keeps the truth
    summary = run_tournament(again, console=Console(quiet=True), live=False)
    assert summary.sandbox == "local" and RunDir(local_run).read_plan()["sandbox"] == "local"  # type: ignore[index]


def test_a_run_folder_refuses_to_mix_salts(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run", ["noop"], ["LoCo-WikiHop-v0"], salt="the-first-salt-of-the-run")
    config = build_config({**default_fields(), "agents": ["noop"], "envs": ["LoCo-WikiHop-v0"], "lengths": ["8k"],
                           "seeds": 2, "sandbox": "fake", "out": str(run)})
    with pytest.raises(ConfigError, match="seed salt"):
        run_tournament(config, console=Console(quiet=True), live=False, seed_salt="another-salt-for-the-rest")
    with pytest.raises(ConfigError, match="seed salt"):
        run_tournament(config, console=Console(quiet=True), live=False, seed_salt="")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_replay_exits_1_on_a_changed_success_and_names_the_first_step(local_run: Path, tmp_path: Path) -> None:
    row = next(orjson.loads(line) for line in (local_run / "episodes.jsonl").read_bytes().splitlines()
               if orjson.loads(line)["agent"] == "oracle")
    records = [orjson.loads(line) for line in (local_run / row["trajectory_path"]).read_bytes().splitlines()]
    path = tmp_path / "t.jsonl"
    ok = CliRunner().invoke(app, ["replay", str(local_run / row["trajectory_path"])])
    assert ok.exit_code == 0, ok.output
    records[-1]["score"]["success"] = 0.5  # the recorded outcome alone is changed
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    changed = CliRunner().invoke(app, ["replay", str(path)], env={"COLUMNS": "200"})
    assert changed.exit_code == 1 and "success recorded 0.5, replayed 1.0" in said(changed)
    records[2]["result"]["output"] = "edited"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    changed = CliRunner().invoke(app, ["replay", str(path)], env={"COLUMNS": "200"})
    assert changed.exit_code == 1 and "first at step 1" in said(changed)
