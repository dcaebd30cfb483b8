"""``locogym score`` re-grades: forged records are caught, untouched runs re-grade identically, salts are needed.

Each forgery below is the cheapest edit a cheater would try on a finished run folder. Episodes run through the
tournament worker in this process (the code path of a real tournament, without a process pool).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from locogym.cli import app
from locogym.core.errors import ConfigError
from locogym.core.salt import derive, new_nonce, seal_key
from locogym.core.types import EpisodeResult, dumps
from locogym.harness.grid import plan_seal
from locogym.harness.rescore import rescore_run
from locogym.harness.rundir import RunDir
from locogym.harness.schedule import build_config, default_fields, plan
from locogym.harness.tournament import plan_record
from locogym.harness.worker import execute_episode

WIKI = "LoCo-WikiHop-v0"
SALT = "s3cret-salt-of-this-run"
FUNC = "LoCo-FuncCall-v0"


def make_run(out: Path, agents: list[str], envs: list[str], seeds: int = 1, salt: str | None = None,
             sandbox: str = "fake") -> Path:
    """A run folder played by the tournament's own worker, one episode after the other in this process."""
    config = build_config({**default_fields(), "agents": agents, "envs": envs, "lengths": ["8k"], "seeds": seeds,
                           "sandbox": sandbox, "out": str(out)})
    key = derive(salt, new_nonce()) if salt else None
    jobs = [job.model_copy(update={"seed_salt": salt, "salt_nonce": key.nonce if key else None})
            for job in plan(config)]
    with RunDir(out).writer() as writer:
        for job in jobs:
            writer.append(EpisodeResult.model_validate(execute_episode(job.model_dump(mode="json"), str(out))))
    RunDir(out).write_plan(plan_record(config, jobs, [], [], key))  # sealed, as the tournament seals it
    return out


def rows(run: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in (run / "episodes.jsonl").read_bytes().splitlines()]


def write_rows(run: Path, data: list[dict[str, Any]]) -> None:
    (run / "episodes.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in data))


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def write_sealed(path: Path, records: list[dict[str, Any]], key: bytes = seal_key(None)) -> None:
    """Write edited records and seal them again the way the recorder does (a forger who knows the algorithm)."""
    body = [dumps(r) for r in records[:-1]]
    end = {k: v for k, v in records[-1].items() if k != "seal"}
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for line in [*body, dumps(end)]:
        mac.update(line + b"\n")
    end["seal"] = mac.hexdigest()
    path.write_bytes(b"".join(line + b"\n" for line in [*body, dumps(end)]))


def episode(run: Path, agent: str, env: str = WIKI) -> tuple[int, dict[str, Any], Path]:
    for i, row in enumerate(rows(run)):
        if row["agent"] == agent and row["env"] == env:
            return i, row, run / row["trajectory_path"]
    raise AssertionError(f"no {agent} episode of {env}")


def forge_success(run: Path, agent: str, score: dict[str, Any], reseal: bool = True) -> None:
    """Give the episode ``score`` in both its row and its trajectory's end line."""
    i, _row, path = episode(run, agent)
    data = rows(run)
    records = lines_of(path)
    records[-1]["score"] = score
    if reseal:
        write_sealed(path, records)
        data[i]["seal"] = lines_of(path)[-1]["seal"]
    else:
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    data[i]["score"] = score
    write_rows(run, data)


def score(run: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["score", str(run), *args], env={"COLUMNS": "200"})


def said(result: Any) -> str:
    """The command's output with its line wrapping undone (the console's width is fixed when it is first made)."""
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("clean") / "run", ["noop", "oracle"], [WIKI, FUNC])


def copy_run(clean: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "run"
    shutil.copytree(clean, target)
    return target


def test_an_untouched_run_regrades_identically(clean_run: Path) -> None:
    check = rescore_run(clean_run)
    assert check.ok, [(e.key, e.findings, e.note) for e in check.failed]
    assert check.checked == 4 and all(e.regraded == e.recorded for e in check.episodes)
    result = score(clean_run)
    assert result.exit_code == 0, result.output
    assert "all 4 re-graded episodes match" in said(result)
    assert "reference" in said(result)  # the oracle saw the hidden task and is shown as a reference


def test_dropped_rows_are_caught_even_with_their_keys_cut_from_the_plan(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    kept = [r for r in rows(run) if r["agent"] != "noop"]  # selective reporting: the noop's rows go
    write_rows(run, kept)
    result = score(run)
    assert result.exit_code == 1 and "missing:" in said(result) and "planned, no row" in said(result)
    plan_path = run / "tournament.json"
    plan = orjson.loads(plan_path.read_bytes())
    plan["keys"] = sorted(r["key"] for r in kept)  # the keys cut from the plan as well...
    plan_path.write_bytes(orjson.dumps(plan))
    assert {p.what for p in rescore_run(run).grid} >= {"seal", "keys", "missing"}
    plan["seal"] = plan_seal(plan, seal_key(None))  # ...and sealed again with the public key: the config still
    plan_path.write_bytes(orjson.dumps(plan))  # expands to the whole grid
    assert {p.what for p in rescore_run(run).grid} == {"keys", "missing"}


def test_a_trial_copied_under_a_made_up_key_is_caught(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    data = rows(run)
    passed = next(r for r in data if r["agent"] == "oracle")
    write_rows(run, [*data, {**passed, "key": "f" * 24, "trial": 1}])
    check = rescore_run(run)
    assert [p.what for p in check.grid] == ["extra"] and not check.ok
    result = score(run)
    assert result.exit_code == 1 and "is not an episode of the plan" in said(result)


def test_a_row_moved_onto_another_planned_key_is_caught(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    data = rows(run)
    wiki = [r for r in data if r["agent"] == "oracle" and r["env"] == WIKI][0]
    func = next(r for r in data if r["agent"] == "oracle" and r["env"] == FUNC)
    write_rows(run, [r for r in data if r["key"] != func["key"]] + [{**wiki, "key": func["key"]}])
    assert "mismatch" in {p.what for p in rescore_run(run).grid}


def test_a_forged_success_in_row_and_trajectory_is_regraded_to_zero(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    _i, row, _path = episode(run, "noop")
    assert row["score"]["success"] == 0.0
    forged = {**row["score"], "success": 1.0, "outcome": "correct", "metrics": {**row["score"]["metrics"], "em": 1.0}}
    forge_success(run, "noop", forged)
    check = rescore_run(run)
    [bad] = check.failed
    assert bad.agent == "noop" and bad.recorded == 1.0 and bad.regraded == 0.0
    assert any(f.what == "success" for f in bad.findings)
    result = score(run)
    assert result.exit_code == 1 and "success" in said(result) and "1.0" in said(result)


def test_a_rewritten_submit_result_is_caught_by_playing_the_recorded_action(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    i, row, path = episode(run, "noop")
    records = lines_of(path)
    gold = records[0]["task"]["gold"]["answers"][0]
    submit = records[1]
    assert submit["call"]["name"] == "submit"
    submit["result"]["data"]["answer"] = gold  # the answer the grader reads, as if the agent had sent it
    submit["result"]["output"] = "Answer submitted."
    forged = {**row["score"], "success": 1.0, "outcome": "correct"}
    records[-1]["score"] = forged
    write_sealed(path, records)
    data = rows(run)
    data[i]["score"], data[i]["seal"] = forged, lines_of(path)[-1]["seal"]
    write_rows(run, data)
    [bad] = rescore_run(run).failed
    assert bad.regraded == 0.0
    assert bad.first_divergence == "step 0 (data)"
    result = score(run)
    assert result.exit_code == 1 and "first diverged at step 0" in said(result)


def test_a_trajectory_edited_alone_is_caught(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    _i, _row, path = episode(run, "oracle", FUNC)
    records = lines_of(path)
    records[1]["result"]["output"] = "nothing to see"  # an observation rewritten, nothing else touched
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    [bad] = rescore_run(run).failed
    whats = {f.what for f in bad.findings}
    assert "seal" in whats and "step 0: output" in whats
    assert score(run).exit_code == 1


def test_a_forged_booking_in_the_final_state_is_caught(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    _i, _row, path = episode(run, "noop", FUNC)
    records = lines_of(path)
    records[-1]["final_state"] = {**records[-1]["final_state"], "bookings": [{"id": "FORGED"}]}
    write_sealed(path, records)
    [bad] = rescore_run(run).failed
    assert any(f.what == "final_state" for f in bad.findings)


def test_a_row_whose_trajectory_is_gone_is_not_a_result(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    _i, _row, path = episode(run, "noop")
    path.unlink()
    [bad] = rescore_run(run).failed
    assert bad.verdict == "unchecked" and "missing" in (bad.note or "")
    assert score(run).exit_code == 1


def test_a_run_of_another_release_is_reported_unless_accepted(clean_run: Path, tmp_path: Path) -> None:
    run = copy_run(clean_run, tmp_path)
    _i, _row, path = episode(run, "noop")
    records = lines_of(path)
    records[0]["locogym_version"] = "0.0.1"
    write_sealed(path, records)
    data = rows(run)
    for row in data:
        if row["trajectory_path"] == str(path.relative_to(run)):
            row["locogym_version"], row["seal"] = "0.0.1", lines_of(path)[-1]["seal"]
    write_rows(run, data)
    [bad] = rescore_run(run).failed
    assert [f.what for f in bad.findings] == ["locogym version"]
    assert rescore_run(run, accept_version=True).ok


def test_rows_and_headers_carry_provenance(clean_run: Path) -> None:
    for row in rows(clean_run):
        header = lines_of(clean_run / row["trajectory_path"])[0]
        assert header["episode_key"] == row["key"] != ""
        assert header["agent_privileged"] is row["agent_privileged"] is (row["agent"] == "oracle")
        assert row["locogym_version"] == header["locogym_version"] != ""
        assert row["content_hash"] == header["task"]["content_hash"] != ""
        assert row["sandbox"] is None and row["sandbox_isolated"] is None  # these families use no sandbox
        assert row["task_kind"] and row["seal"] and row["salt_hash"] is None


# ---------------------------------------------------------------------------------------------- secret seeds
@pytest.fixture(scope="module")
def salted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("salted") / "run", ["noop"], [WIKI, FUNC], salt=SALT)


def test_a_salt_changes_the_task_and_hides_the_seed(clean_run: Path, salted_run: Path) -> None:
    plain = {(r["env"], r["seed"]): r for r in rows(clean_run) if r["agent"] == "noop"}
    for row in rows(salted_run):
        twin = plain[(row["env"], row["seed"])]
        assert row["content_hash"] != twin["content_hash"]
        assert row["salt_hash"] and SALT not in (salted_run / row["trajectory_path"]).read_text()
        task_id = lines_of(salted_run / row["trajectory_path"])[0]["task"]["task_id"]
        # no part of the id is the seed (an opaque hex part may start with the seed's digits by chance)
        assert str(row["seed"]) not in task_id.split("-")


def test_scoring_a_salted_run_needs_the_salt(salted_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCOGYM_SEED_SALT", raising=False)
    with pytest.raises(ConfigError, match="salt"):
        rescore_run(salted_run)
    with pytest.raises(ConfigError, match="not the one"):
        rescore_run(salted_run, seed_salt="a-wrong-guess-of-the-salt")
    refused = score(salted_run)
    assert refused.exit_code == 1 and isinstance(refused.exception, ConfigError)
    assert "LOCOGYM_SEED_SALT" in refused.exception.fix
    assert rescore_run(salted_run, seed_salt=SALT).ok
    monkeypatch.setenv("LOCOGYM_SEED_SALT", SALT)
    assert score(salted_run).exit_code == 0


def test_with_a_salt_a_consistently_rewritten_action_cannot_be_resealed(salted_run: Path, tmp_path: Path) -> None:
    """The forger rewrites the submit call, its raw action, its result and the score, all consistently, and
    re-seals with the only key they can compute; the secret key shows the file was not sealed by the run."""
    run = copy_run(salted_run, tmp_path)
    i, row, path = episode(run, "noop")
    records = lines_of(path)
    gold = records[0]["task"]["gold"]["answers"][0]
    submit = records[1]
    submit["call"]["arguments"] = {"answer": gold}
    submit["action_raw"] = {"name": "submit", "arguments": {"answer": gold}}
    submit["result"]["data"]["answer"] = gold
    forged = {**row["score"], "success": 1.0, "outcome": "correct"}
    records[-1]["score"] = forged
    write_sealed(path, records)  # the public key: the salt's seal key is unknown to the forger
    data = rows(run)
    data[i]["score"], data[i]["seal"] = forged, lines_of(path)[-1]["seal"]
    write_rows(run, data)
    [bad] = rescore_run(run, seed_salt=SALT).failed
    assert any(f.what == "seal" for f in bad.findings)


# ---------------------------------------------------------------------------------------------- patch episodes
@pytest.mark.bwrap
@pytest.mark.slow
def test_a_forged_patch_is_kept_without_regrade_tests_and_caught_with_them(bwrap_available: None,
                                                                             tmp_path: Path) -> None:
    """The noop episode is given the oracle's diff as its final state and full success, re-sealed: the hidden
    tests are what grade a patch, so only --regrade-tests (which plays the noop's actions again) can tell."""
    run = make_run(tmp_path / "run", ["noop", "oracle"], ["LoCo-RepoPatch-v0"], sandbox="bwrap")
    _j, oracle_row, oracle_path = episode(run, "oracle", "LoCo-RepoPatch-v0")
    i, _row, path = episode(run, "noop", "LoCo-RepoPatch-v0")
    records = lines_of(path)
    records[-1]["final_state"] = lines_of(oracle_path)[-1]["final_state"]
    records[-1]["score"] = oracle_row["score"]
    write_sealed(path, records)
    data = rows(run)
    data[i]["score"], data[i]["seal"] = oracle_row["score"], lines_of(path)[-1]["seal"]
    write_rows(run, data)
    kept = rescore_run(run)
    assert kept.ok and {e.verdict for e in kept.episodes} == {"kept"}
    result = score(run)
    assert result.exit_code == 0 and "kept as recorded" in said(result)
    regraded = rescore_run(run, regrade_tests=True)
    [bad] = regraded.failed
    assert bad.agent == "noop" and bad.regraded == 0.0
    assert {"final_state", "success"} <= {f.what for f in bad.findings}
    assert score(run, "--regrade-tests").exit_code == 1


@pytest.mark.parametrize(("max_steps", "termination"), [(100, "submitted"), (5, "max_steps")])
def test_replay_follows_the_recorded_budget_not_this_machines(tmp_path: Path, max_steps: int,
                                                              termination: str) -> None:
    """70 steps under a 100-step budget (beyond the env's default of 64), and a 5-step budget that truncated."""
    import gymnasium as gym

    import locogym
    from locogym.harness.replay import replay
    from locogym.testing import ScriptedAgent

    env = gym.make(WIKI, max_steps=max_steps)
    path = tmp_path / "t.jsonl"
    traj = locogym.run_episode(env, ScriptedAgent(["not a tool call"] * 70), seed=1, trajectory_path=path)
    env.close()
    assert traj.termination == termination
    report = replay(path)
    assert report.ok, [d.describe() for d in report.differences[:3]]
