"""Re-scoring's rules on hand-made rows, trajectories and envs: which verdicts count as checked, kept or failed;
what a seal, a release, a replay and a refusal add as findings; how a refusal's task is made again (sandbox, salt
and the plan's nonce); when the patch family's hidden tests are left alone; and that a plan's plug-ins load."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import pytest

from locogym.core.errors import ConfigError, LocoError, TaskRefused
from locogym.core.salt import derive
from locogym.core.types import EpisodeResult, EpisodeScore, ScenarioConfig, Trajectory, dumps
from locogym.core.version import package_version
from locogym.harness.provenance import result_fields
from locogym.harness.recorder import TrajectoryWriter
from locogym.harness.replay import Difference, ReplayReport
from locogym.harness.rescore import (
    TESTS_FAMILY,
    EpisodeCheck,
    Finding,
    RescoreCheck,
    _add_replay,
    _check_episode,
    _check_refusal,
    _EnvCache,
    _file_findings,
    _read_recorded,
    rescore_run,
)

SALT = "a-salt-long-enough-for-rules"
PROBE = "LocoRulesProbe-v0"


class _Probe(gym.Env[int, int]):
    """An env that remembers how it was made and refuses lengths under 10,000."""

    made: ClassVar[list[dict[str, Any]]] = []
    closed: ClassVar[list[dict[str, Any]]] = []
    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(1)

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        _Probe.made.append(kwargs)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        if (options or {}).get("length", 0) < 10_000:
            raise TaskRefused("the length cannot hold the core")
        return 0, {}

    def close(self) -> None:
        _Probe.closed.append(self.kwargs)


if PROBE not in gym.registry:
    gym.register(id=PROBE, entry_point=_Probe, disable_env_checker=True)


@pytest.fixture(autouse=True)
def _fresh_probe() -> None:
    _Probe.made.clear()
    _Probe.closed.clear()


class _Envs:
    """Stands in for the env cache: hands out one env (or raises) and records what was asked."""

    def __init__(self, env: Any = None, error: Exception | None = None) -> None:
        self.env, self.error = env, error
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.dropped: list[str] = []

    def get(self, env_id: str, kwargs: dict[str, Any]) -> tuple[str, Any]:
        self.asked.append((env_id, kwargs))
        if self.error is not None:
            raise self.error
        return "the-key", self.env

    def drop(self, key: str) -> None:
        self.dropped.append(key)


def _check(key: str, verdict: str, agent: str = "a") -> EpisodeCheck:
    return EpisodeCheck(key=key, agent=agent, env=PROBE, privileged=False, recorded=1.0,
                        verdict=verdict)  # type: ignore[arg-type]


def _refused(error: str | None = "too short", **env_args: Any) -> EpisodeResult:
    return EpisodeResult(key="r", agent="a", env=PROBE, seed=3, length=8192, status="refused", error=error,
                         env_args=env_args)


def test_only_same_and_differs_were_checked_and_only_kept_rows_were_kept() -> None:
    check = RescoreCheck(episodes=[_check("s", "same"), _check("d", "differs"), _check("k", "kept"),
                                   _check("u", "unchecked")], refusals=[_check("r", "differs"), _check("q", "same")])
    assert check.checked == 2
    assert [e.key for e in check.kept] == ["k"]
    assert [e.key for e in check.failed] == ["d", "u", "r"] and not check.ok
    assert RescoreCheck(episodes=[_check("s", "same"), _check("k", "kept")]).ok


def test_a_row_without_a_trajectory_is_unchecked_and_nothing_was_replayed(tmp_path: Path) -> None:
    episode = _check("x", "same")
    assert _read_recorded(tmp_path / "gone.jsonl", episode) is None
    assert (episode.verdict, episode.varied, episode.first_divergence) == ("unchecked", 0, None)
    assert "missing" in (episode.note or "")
    row = EpisodeResult(key="x", agent="a", env=PROBE, seed=0, length=8192, status="done",
                        score=EpisodeScore(success=1.0, outcome="correct"))
    unchecked = _check_episode(tmp_path, row, None, None, False, True, 1e-9, "1.0", _EnvCache())
    assert (unchecked.verdict, unchecked.recorded, unchecked.regraded) == ("unchecked", 1.0, None)


def _trajectory(family: str = TESTS_FAMILY, version: str = "9.9", privileged: bool = False) -> Trajectory:
    return Trajectory(episode_key="e1", env_id=PROBE, scenario=ScenarioConfig(family=family, seed=4),
                      agent="a", termination="submitted", score=EpisodeScore(success=0.5, outcome="partial"),
                      locogym_version=version, agent_privileged=privileged)


def _recorded(tmp_path: Path, traj: Trajectory) -> tuple[Path, str]:
    writer = TrajectoryWriter(tmp_path / "t.jsonl")
    writer.on_reset(traj)
    writer.on_end(traj)
    assert writer.seal is not None
    return writer.path, writer.seal


def _row_of(traj: Trajectory, seal: str, **changes: Any) -> EpisodeResult:
    fields = {**result_fields(traj), "seal": seal}
    row = EpisodeResult(key=traj.episode_key, agent=traj.agent, env=traj.env_id, seed=traj.scenario.seed,
                        length=traj.scenario.length, termination=traj.termination, score=traj.score,
                        trajectory_path="t.jsonl", **fields)
    return row.model_copy(update=changes)


def test_a_patch_episode_keeps_its_outcome_unless_its_tests_are_rerun(tmp_path: Path) -> None:
    traj = _trajectory()
    _path, seal = _recorded(tmp_path, traj)
    kept = _check_episode(tmp_path, _row_of(traj, seal), None, None, False, True, 1e-9, "9.9", _EnvCache())
    assert (kept.verdict, kept.regraded, kept.findings) == ("kept", 0.5, [])
    assert "--regrade-tests" in (kept.note or "")
    edited = _check_episode(tmp_path, _row_of(traj, seal, agent="b"), None, None, False, True, 1e-9, "9.9",
                            _EnvCache())
    assert edited.verdict == "differs" and edited.agent == "b"
    assert [f.what for f in edited.findings] == ["row agent / trajectory"]
    envs = _Envs(error=LocoError("no such env"))
    rerun = _check_episode(tmp_path, _row_of(traj, seal), None, None, True, True, 1e-9, "9.9", envs)  # type: ignore[arg-type]
    assert rerun.verdict == "unchecked" and [env_id for env_id, _ in envs.asked] == [PROBE]
    assert envs.dropped == [""]


def test_a_trajectory_that_says_privileged_marks_the_episode_a_reference(tmp_path: Path) -> None:
    traj = _trajectory(privileged=True)
    _path, seal = _recorded(tmp_path, traj)
    episode = _check_episode(tmp_path, _row_of(traj, seal, agent_privileged=False), None, None, False, True, 1e-9,
                             "9.9", _EnvCache())
    assert episode.privileged and episode.verdict == "differs"


def test_a_broken_seal_and_another_release_are_findings(tmp_path: Path) -> None:
    traj = _trajectory(version="")
    path, seal = _recorded(tmp_path, traj)
    assert _file_findings(path, traj, None, "") == []
    assert _file_findings(path, traj, None, "2.0") == [Finding("locogym version", "unknown", "2.0")]
    assert _file_findings(path, _trajectory(version="1.0"), None, "2.0") == [Finding("locogym version", "1.0", "2.0")]
    path.write_bytes(path.read_bytes().replace(b'"agent":"a"', b'"agent":"z"'))
    assert _file_findings(path, traj, None, None) == [Finding("seal", seal, "the file's bytes do not match it")]
    lines = path.read_bytes().splitlines()
    path.write_bytes(lines[0] + b"\n" + lines[1].replace(b',"seal":"' + seal.encode() + b'"', b"") + b"\n")
    assert _file_findings(path, traj, None, None) == [Finding("seal", "none", "unsealed")]


def _replayed(success: float | None) -> Trajectory:
    traj = _trajectory(family="wiki")
    return traj.model_copy(update={"score": None if success is None else EpisodeScore(success=success,
                                                                                      outcome="partial")})


def test_a_replay_adds_each_difference_and_the_rescored_row(tmp_path: Path) -> None:
    recorded = EpisodeScore(success=0.5, outcome="partial")
    same = _check("s", "same")
    _add_replay(same, ReplayReport(steps=2, success_replayed=0.5, replayed=_replayed(0.5)), recorded, 1e-9)
    assert (same.verdict, same.regraded, same.findings, same.first_divergence) == ("same", 0.5, [], None)
    moved = _check("m", "same")
    report = ReplayReport(steps=3, differences=[Difference(None, "final state", "x", "y"),
                                                Difference(2, "observation", "a", "b")],
                          varied=[Difference(1, "output", "p", "q"), Difference(1, "output", "r", "s")],
                          success_replayed=1.0, replayed=_replayed(1.0))
    _add_replay(moved, report, recorded, 1e-9)
    assert moved.verdict == "differs" and moved.regraded == 1.0 and moved.varied == 1
    assert moved.first_divergence == "step 2 (observation)"
    assert [f.what for f in moved.findings] == ["final state", "step 2: observation", "row success"]
    for unscored in (ReplayReport(steps=1, success_replayed=0.0, replayed=_replayed(None)),
                     ReplayReport(steps=1, success_replayed=0.0)):
        episode = _check("u", "same")
        _add_replay(episode, unscored, recorded, 1e-9)
        assert episode.findings == [] and episode.verdict == "same"


def test_a_refusal_holds_when_the_task_is_refused_again_and_differs_when_it_generates() -> None:
    envs = _Envs(env=_Probe())
    again = _check_refusal(_refused(), None, None, None, envs)  # type: ignore[arg-type]
    assert again.verdict == "same" and again.findings == [] and (again.note or "").startswith("refused again")
    assert envs.asked == [(PROBE, {"sandbox": "auto"})]
    generated = _check_refusal(_refused("x" * 300).model_copy(update={"length": 16384}), None, None, None,
                               envs)  # type: ignore[arg-type]
    assert generated.verdict == "differs"
    assert generated.findings == [Finding("refusal", "refused: " + "x" * 200, "the task generates at these options")]
    unexplained = _check_refusal(_refused(None).model_copy(update={"length": 16384}), None, None, None,
                                 envs)  # type: ignore[arg-type]
    assert unexplained.findings[0].recorded == "refused: "


def test_a_refusal_is_made_again_in_the_asked_sandbox_under_the_run_salt() -> None:
    envs = _Envs(env=_Probe())
    _check_refusal(_refused(sandbox="docker", depth=0.5), None, None, None, envs)  # type: ignore[arg-type]
    _check_refusal(_refused(sandbox="docker"), None, None, "bwrap", envs)  # type: ignore[arg-type]
    _check_refusal(_refused(), SALT, "n0nce", None, envs)  # type: ignore[arg-type]
    assert [kwargs for _, kwargs in envs.asked] == [
        {"sandbox": "docker", "depth": 0.5}, {"sandbox": "bwrap"},
        {"sandbox": "auto", "seed_salt": SALT, "salt_nonce": "n0nce"}]


def test_a_refusal_whose_task_cannot_be_made_is_unchecked_and_its_env_dropped() -> None:
    envs = _Envs(error=LocoError("sandbox gone"))
    episode = _check_refusal(_refused(), None, None, None, envs)  # type: ignore[arg-type]
    assert episode.verdict == "unchecked" and "sandbox gone" in (episode.note or "") and envs.dropped == [""]


def test_the_env_cache_reuses_an_env_per_arguments_and_closes_each_once() -> None:
    cache = _EnvCache()
    key, env = cache.get(PROBE, {"sandbox": "auto"})
    assert cache.get(PROBE, {"sandbox": "auto"}) == (key, env)
    other_key, other = cache.get(PROBE, {"sandbox": "docker"})
    assert other is not env and len(_Probe.made) == 2
    cache.drop(key)
    cache.drop(key)
    cache.drop("never made")
    assert _Probe.closed == [{"sandbox": "auto"}]
    cache.close()
    assert _Probe.closed == [{"sandbox": "auto"}, {"sandbox": "docker"}]
    assert other_key != key


def _run_folder(tmp_path: Path, plan: dict[str, Any], rows: list[EpisodeResult]) -> Path:
    (tmp_path / "episodes.jsonl").write_bytes(b"".join(dumps(r) + b"\n" for r in rows))
    (tmp_path / "tournament.json").write_bytes(dumps(plan))
    return tmp_path


def test_the_plan_plugins_are_imported_before_anything_is_replayed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules_no_such_plugin"):
        rescore_run(_run_folder(tmp_path, {"grid": "explicit", "config": {"imports": ["rules_no_such_plugin"]}},
                                []))
    assert rescore_run(_run_folder(tmp_path, {"grid": "explicit", "config": {}}, [])).episodes == []


def test_a_refusal_is_made_again_under_the_nonce_the_plan_recorded(tmp_path: Path) -> None:
    plan = {"grid": "explicit", "keys": ["r"], "config": {}, "salt_hash": derive(SALT, "n0nce").fingerprint}
    check = rescore_run(_run_folder(tmp_path, plan, [_refused()]), seed_salt=SALT)
    assert [r.verdict for r in check.refusals] == ["same"]
    assert _Probe.made == [{"sandbox": "auto", "seed_salt": SALT, "salt_nonce": "n0nce"}]
    assert _Probe.closed == _Probe.made


def test_by_default_patch_outcomes_are_kept_and_another_release_differs(tmp_path: Path) -> None:
    rows = []
    for name, version in (("now", package_version()), ("old", "0.0.1")):
        traj = _trajectory(version=version).model_copy(update={"episode_key": name})
        writer = TrajectoryWriter(tmp_path / f"{name}.jsonl")
        writer.on_reset(traj)
        writer.on_end(traj)
        assert writer.seal is not None
        rows.append(_row_of(traj, writer.seal, trajectory_path=f"{name}.jsonl"))
    check = rescore_run(_run_folder(tmp_path, {"grid": "explicit", "keys": ["now", "old"], "config": {}}, rows))
    assert [(e.key, e.verdict) for e in check.episodes] == [("now", "kept"), ("old", "differs")]
    assert [f.what for f in check.episodes[1].findings] == ["locogym version"] and _Probe.made == []
    accepted = rescore_run(tmp_path, accept_version=True)
    assert [(e.key, e.verdict) for e in accepted.episodes] == [("now", "kept"), ("old", "kept")]


def test_a_refusal_of_an_unsalted_plan_is_made_again_without_a_nonce(tmp_path: Path) -> None:
    run = _run_folder(tmp_path, {"grid": "explicit", "keys": ["r"], "config": {}}, [_refused()])
    assert [r.verdict for r in rescore_run(run).refusals] == ["same"]
    assert [r.verdict for r in rescore_run(run, seed_salt=SALT).refusals] == ["same"]
    assert _Probe.made == [{"sandbox": "auto"}, {"sandbox": "auto", "seed_salt": SALT, "salt_nonce": None}]
