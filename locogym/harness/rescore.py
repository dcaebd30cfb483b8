"""``locogym score RUN_DIR``: re-grade every finished episode and list whatever differs from the records.

For each ``done`` row of ``episodes.jsonl`` the check

1. reads the episode's trajectory (a missing one is a failure: a row nobody can check is not a result);
2. compares the row with the trajectory (key, agent, env, seed, score, termination and every provenance field)
   and the trajectory file with its seal (see :mod:`locogym.harness.seal`), and re-derives the usage and cost
   from the requests the episode recorded and the rates it billed at (:mod:`locogym.harness.usage_check`);
3. regenerates the task from what the trajectory records (env id and arguments, seed, options, seed salt) and
   checks its content hash; then plays the recorded actions on a rebuilt world or sandbox and lets the family's
   grader score the replay (:func:`locogym.harness.replay.replay`): a success that the recorded actions do not
   earn, a rewritten observation or final state, a call its raw action does not parse to — each shows up as a
   difference (a shell command's output that varies from run to run is counted apart, as *varied*, and fails
   nothing unless something derived from it differs);
4. reports a trajectory recorded by another locogym release as a difference too, unless that is accepted.

A ``refused`` row (a length too short for the task's core) has no trajectory; its claim is checked by making the
task again: a task that generates is a difference, so a refusal cannot hide a played episode.

LoCo-RepoPatch episodes are graded by running the project's hidden tests; they are re-played and re-graded only
with ``regrade_tests`` (else steps 1, 2 and 4 still run and the recorded outcome is shown as kept).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import gymnasium as gym

from locogym.core.errors import DataError, LocoError, TaskRefused
from locogym.core.salt import SaltKey, derive, nonce_of, resolve_salt, seal_key
from locogym.core.trajectory_file import read_trajectory
from locogym.core.types import EpisodeResult, EpisodeScore, Trajectory, dumps, stable_hash
from locogym.core.version import package_version
from locogym.harness.grid import GridProblem, check_grid
from locogym.harness.provenance import result_fields
from locogym.harness.replay import ReplayReport, compare_scores, env_arguments, replay, salt_for
from locogym.harness.report.data import load_run
from locogym.harness.schedule import import_plugins
from locogym.harness.seal import check_seal
from locogym.harness.usage_check import usage_mismatches

TESTS_FAMILY = "repo_patch"  # graded by running hidden tests: re-graded only when asked

if TYPE_CHECKING:  # read by the type checker only: a dataclass does not check its fields' values
    Verdict = Literal["same", "differs", "kept", "unchecked"]


@dataclass(frozen=True)
class Finding:
    what: str
    recorded: str
    regraded: str


@dataclass
class EpisodeCheck:
    """One finished episode: what was recorded, what re-grading gave, and every difference found."""

    key: str
    agent: str
    env: str
    privileged: bool
    recorded: float | None
    regraded: float | None = None
    verdict: Verdict = "same"
    findings: list[Finding] = field(default_factory=list)
    first_divergence: str | None = None  # the first differing step of the replay, when one differs
    varied: int = 0  # steps whose nondeterministic tool printed otherwise on the replay (not a difference)
    note: str | None = None


@dataclass
class RescoreCheck:
    episodes: list[EpisodeCheck] = field(default_factory=list)
    refusals: list[EpisodeCheck] = field(default_factory=list)  # refused rows, each made again
    grid: list[GridProblem] = field(default_factory=list)  # how the rows differ from the sealed plan
    version: str = field(default_factory=package_version)

    @property
    def checked(self) -> int:
        return sum(1 for e in self.episodes if e.verdict in ("same", "differs"))

    @property
    def failed(self) -> list[EpisodeCheck]:
        return [e for e in [*self.episodes, *self.refusals] if e.verdict in ("differs", "unchecked")]

    @property
    def kept(self) -> list[EpisodeCheck]:
        return [e for e in self.episodes if e.verdict == "kept"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.grid

    def by_agent(self) -> dict[str, dict[str, Any]]:
        """Per agent: episodes, recorded and re-graded mean success, differing episodes, reference or not."""
        rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"episodes": 0, "recorded": 0.0, "regraded": 0.0,
                                                               "differing": 0, "reference": False})
        for e in self.episodes:
            row = rows[e.agent]
            row["episodes"] += 1
            row["recorded"] += e.recorded or 0.0
            row["regraded"] += e.regraded if e.regraded is not None else 0.0
            row["differing"] += e.verdict in ("differs", "unchecked")
            row["reference"] = row["reference"] or e.privileged
        for row in rows.values():  # a row exists only once an episode of its agent was counted: never empty
            row["recorded"] /= row["episodes"]
            row["regraded"] /= row["episodes"]
        return dict(rows)


def rescore_run(run_dir: str | Path, *, seed_salt: str | None = None, sandbox: str | None = None,
                regrade_tests: bool = False, accept_version: bool = False,
                tolerance: float = 1e-9) -> RescoreCheck:
    """Re-grade the run's finished episodes (see the module docstring).

    Raises:
        ConfigError: the run was generated with a seed salt and it is missing or wrong (nothing is re-graded).
        DataError: ``episodes.jsonl`` is damaged.
    """
    run = load_run(run_dir)
    if run.plan:  # plug-in families the tournament imported must be registered to be re-played
        import_plugins(list(run.plan.get("config", {}).get("imports") or []))
    salt = resolve_salt(seed_salt)
    planned_salt = (run.plan or {}).get("salt_hash")
    plan_key = derive(salt, nonce_of(planned_salt)) if salt and planned_salt else None
    check = RescoreCheck(grid=check_grid(run.plan, run.results, seal_key(plan_key)))
    envs = _EnvCache()
    try:
        for result in run.done:
            check.episodes.append(_check_episode(run.path, result, salt, sandbox, regrade_tests, accept_version,
                                                 tolerance, check.version, envs))
        for result in run.refused:
            check.refusals.append(_check_refusal(result, salt, plan_key.nonce if plan_key else None, sandbox, envs))
    finally:
        envs.close()
    return check


class _EnvCache:
    """Envs reused across the episodes that share their arguments, as a tournament's workers reuse them: family
    data loads once, and a sandbox starts once rather than per episode. A failed replay drops its env."""

    def __init__(self) -> None:
        self._envs: dict[str, gym.Env[Any, Any]] = {}

    def get(self, env_id: str, kwargs: dict[str, Any]) -> tuple[str, gym.Env[Any, Any]]:
        key = f"{env_id}|{stable_hash(kwargs)}"
        if key not in self._envs:
            self._envs[key] = gym.make(env_id, **kwargs)
        return key, self._envs[key]

    def drop(self, key: str) -> None:
        env = self._envs.pop(key, None)
        if env is not None:
            env.close()

    def close(self) -> None:
        while self._envs:
            self._envs.popitem()[1].close()


def _check_episode(root: Path, result: EpisodeResult, salt: str | None, sandbox: str | None, regrade_tests: bool,
                   accept_version: bool, tolerance: float, version: str, envs: _EnvCache) -> EpisodeCheck:
    assert result.score is not None
    episode = EpisodeCheck(key=result.key, agent=result.agent, env=result.env, privileged=result.agent_privileged,
                           recorded=result.score.success)
    path = root / result.trajectory_path if result.trajectory_path else None
    traj = _read_recorded(path, episode)
    if path is None or traj is None:
        return episode
    episode.privileged = episode.privileged or traj.agent_privileged
    used_salt, key = salt_for(traj, salt)  # raises ConfigError when the salt is missing or wrong: refuse the run
    episode.findings += _row_against_trajectory(result, traj, tolerance)
    episode.findings += [Finding(*mismatch) for mismatch in usage_mismatches(result, traj)]
    episode.findings += _file_findings(path, traj, key, version if not accept_version else None)
    if traj.scenario.family == TESTS_FAMILY and not regrade_tests:
        episode.verdict = "kept" if not episode.findings else "differs"
        episode.regraded = result.score.success
        episode.note = "hidden tests not re-run (pass --regrade-tests)"
        return episode
    env_key = ""
    try:
        env_key, env = envs.get(traj.env_id, env_arguments(traj, sandbox, used_salt))
        report = replay(traj, env=env)
    except (LocoError, OSError) as exc:  # the salt was checked above: this is a sandbox or an env not found
        envs.drop(env_key)
        episode.verdict = "unchecked"
        episode.note = f"could not be re-played: {getattr(exc, 'message', None) or exc}"
        return episode
    _add_replay(episode, report, result.score, tolerance)
    return episode


def _read_recorded(path: Path | None, episode: EpisodeCheck) -> Trajectory | None:
    """The row's trajectory, or None with the episode marked unchecked (no file, or an unreadable one)."""
    if path is None or not path.exists():
        episode.verdict = "unchecked"
        episode.note = "its trajectory file is missing, so nothing backs the recorded score"
        return None
    try:
        return read_trajectory(path)
    except DataError as exc:
        episode.verdict, episode.note = "unchecked", f"its trajectory cannot be read: {exc}"
        return None


def _file_findings(path: Path, traj: Trajectory, key: SaltKey | None, version: str | None) -> list[Finding]:
    """A seal that does not match the file's bytes (under the salt's key), and (``version`` given) a file of
    another release."""
    found = []
    seal = check_seal(path, seal_key(key))
    if not seal.ok:
        found.append(Finding("seal", seal.recorded or "none",
                             "the file's bytes do not match it" if seal.recorded else "unsealed"))
    if version is not None and traj.locogym_version != version:
        found.append(Finding("locogym version", traj.locogym_version or "unknown", version))
    return found


def _add_replay(episode: EpisodeCheck, report: ReplayReport, recorded: EpisodeScore,
                tolerance: float) -> None:
    """What the replay found: the regraded success, every difference, and the verdict they add up to."""
    episode.regraded = report.success_replayed
    episode.varied = len({d.step for d in report.varied})
    for difference in report.differences:
        where = f"step {difference.step}: " if difference.step is not None else ""
        episode.findings.append(Finding(where + difference.what, difference.recorded, difference.replayed))
    if report.replayed is not None and report.replayed.score is not None:
        episode.findings += [Finding(f"row {what}", a, b)
                             for what, a, b in compare_scores(recorded, report.replayed.score, tolerance)]
    first = report.first_divergence
    if first is not None and first.step is not None:
        episode.first_divergence = f"step {first.step} ({first.what})"
    if episode.findings:
        episode.verdict = "differs"


def _check_refusal(result: EpisodeResult, salt: str | None, nonce: str | None, sandbox: str | None,
                   envs: _EnvCache) -> EpisodeCheck:
    """A refused row holds if making its task again (under the plan's salt nonce) is refused again."""
    episode = EpisodeCheck(key=result.key, agent=result.agent, env=result.env, privileged=result.agent_privileged,
                           recorded=None)
    kwargs: dict[str, Any] = {**result.env_args, "sandbox": sandbox or result.env_args.get("sandbox", "auto")}
    if salt:
        kwargs["seed_salt"] = salt
        kwargs["salt_nonce"] = nonce
    env_key = ""
    try:
        env_key, env = envs.get(result.env, kwargs)
        env.reset(seed=result.seed, options={**result.options, "length": result.length})
    except TaskRefused as exc:
        episode.note = f"refused again: {exc.message}"
        return episode
    except (LocoError, OSError) as exc:
        envs.drop(env_key)
        episode.verdict, episode.note = "unchecked", f"its task could not be made again: {exc}"
        return episode
    episode.verdict = "differs"
    episode.findings.append(Finding("refusal", "refused: " + (result.error or "")[:200],
                                    "the task generates at these options"))
    return episode


def _row_against_trajectory(result: EpisodeResult, traj: Trajectory, tolerance: float) -> list[Finding]:
    """What the ``episodes.jsonl`` row says that its trajectory does not."""
    out = []
    pairs: list[tuple[str, Any, Any]] = [
        ("key", result.key, traj.episode_key), ("agent", result.agent, traj.agent), ("env", result.env, traj.env_id),
        ("seed", result.seed, traj.scenario.seed), ("length", result.length, traj.scenario.length),
        ("termination", result.termination, traj.termination), ("steps", result.steps, len(traj.steps)),
    ]
    pairs += [(name, getattr(result, name), value) for name, value in result_fields(traj).items()]
    for what, row, recorded in pairs:
        if dumps(row) != dumps(recorded):
            out.append(Finding(f"row {what} / trajectory", str(row), str(recorded)))
    if traj.score is None:
        out.append(Finding("trajectory score", "none", "the trajectory never ended"))
    else:
        assert result.score is not None
        out += [Finding(f"row {what} / trajectory", a, b)
                for what, a, b in compare_scores(result.score, traj.score, tolerance)]
    return out
