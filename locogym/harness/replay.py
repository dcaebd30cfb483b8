"""Replaying a recorded episode: regenerate its task, play its actions again, and compare everything.

Only the agent's actions are inputs; every other part of a trajectory (the observations, what each result
exposed, the final state, the score) is something the environment computed. Replay recomputes all of it on a
fresh env — the same task from the recorded env arguments, seed, options (and seed salt), a rebuilt world or
sandbox — and lists every difference, in step order, so the first one says where the recording and the code
part ways. The score comes from the family's own grader on the replayed episode, never from the recording, which
makes :mod:`locogym.harness.rescore` a re-grade rather than a copy.

The raw action is what the agent sent; the recorded ``call`` is what the env parsed from it. A call that the raw
action does not parse to is itself a difference (an edited submit step), and the raw action is what is played.

A tool whose output is not a function of its call (``Tool.deterministic`` false: a shell command may print the
time, list the times of freshly copied files, interleave the stderr of a pipeline differently, or time out on a
busier machine) may print otherwise on a replay. Its call is still played (its effects on the files are part of
the final state), but the replay goes on from the result the agent was shown, as the agent's next actions did:
that result replaces the replayed one in the replayed step, so every metric computed from observations (their
sizes, counted afresh from the recorded text; repeated outputs) is recomputed on what the agent saw. The bytes
that differ are listed as *varied*, not as differences; the evidence and annotations the env derived from the
replayed output, the final state and the score are still compared exactly. The seal guards the recorded bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from locogym.core.errors import ConfigError, ReplayMismatch
from locogym.core.salt import SALT_ENV, SaltKey, derive, nonce_of, resolve_salt
from locogym.core.types import EpisodeScore, StepEvent, ToolCall, Trajectory, dumps
from locogym.envs.actions import parse_action
from locogym.envs.base import EpisodeMetadata, LocoEnv, observation_tokens
from locogym.harness.recorder import read_trajectory

# What a step is compared on: everything the env derived from the action (latency and model usage are not).
_RESULT_FIELDS = ("output", "error", "truncated", "data")
_STEP_FIELDS = ("session", "evidence_seen", "annotations", "obs_tokens")
# Why a nondeterministic tool's output may differ on a replay, as the commands tell their users.
VARIED_CAUSES = "a clock, file times, a pipeline's interleaving, an object's address"
# What may vary between two runs of a nondeterministic tool's call: its result and that result's size.
_VARYING_FIELDS = frozenset({"output", "error", "truncated", "data", "obs_tokens"})


@dataclass(frozen=True)
class Difference:
    """One thing the replay computed differently from the recording. ``step`` is None for episode-level fields."""

    step: int | None
    what: str
    recorded: str
    replayed: str

    def describe(self) -> str:
        where = f"step {self.step}" if self.step is not None else "episode"
        return f"{where}: {self.what} recorded {self.recorded} · replayed {self.replayed}"


@dataclass
class ReplayReport:
    steps: int
    differences: list[Difference] = field(default_factory=list)
    varied: list[Difference] = field(default_factory=list)  # a nondeterministic tool's output: shown, not counted
    content_hash_matches: bool = True
    success_recorded: float | None = None
    success_replayed: float | None = None
    replayed: Trajectory | None = None  # the episode as played again, scored by the family's grader

    @property
    def ok(self) -> bool:
        return self.content_hash_matches and not self.differences

    @property
    def first_divergence(self) -> Difference | None:
        """The earliest difference: the first differing step, else the first episode-level one."""
        by_step = [d for d in self.differences if d.step is not None]
        return by_step[0] if by_step else (self.differences[0] if self.differences else None)

    @property
    def mismatches(self) -> list[dict[str, Any]]:
        """Step differences as plain dicts (step, what, recorded, replayed)."""
        return [{"step": d.step, "what": d.what, "recorded": d.recorded, "replayed": d.replayed}
                for d in self.differences if d.step is not None]


def salt_for(trajectory: Trajectory, seed_salt: str | None) -> tuple[str, SaltKey | None]:
    """The salt to regenerate ``trajectory``'s task with ("" for none) and its key stretched under the recorded
    nonce, checked against the recorded fingerprint.

    Raises:
        ConfigError: the episode was generated with a salt and none (or another one) was given, or its fingerprint
            is not one this version can check.
    """
    if trajectory.salt_hash is None:
        return "", None
    nonce = nonce_of(trajectory.salt_hash)
    salt = resolve_salt(seed_salt)
    if salt is None:
        raise ConfigError(f"Episode {trajectory.episode_key or '(no key)'} was generated with a secret seed salt "
                          f"(fingerprint {trajectory.salt_hash}); without it its task cannot be regenerated.",
                          fix=f"Pass --seed-salt SALT or set {SALT_ENV} to the salt the run used.")
    key = derive(salt, nonce)
    if key.fingerprint != trajectory.salt_hash:
        raise ConfigError(f"The seed salt given (fingerprint {key.fingerprint}) is not the one episode "
                          f"{trajectory.episode_key or '(no key)'} was generated with ({trajectory.salt_hash}).",
                          fix="Pass the salt the run used.")
    return salt, key


def env_arguments(trajectory: Trajectory, sandbox: str | None = None, seed_salt: str | None = None) -> dict[str, Any]:
    """The ``gym.make`` arguments that rebuild the recorded env (``sandbox`` overrides the recorded backend).

    Raises:
        ConfigError: the env is not registered here, or the episode's seed salt is missing or wrong.
    """
    import locogym.envs  # noqa: F401 - registers the environments

    try:
        entry_point = gym.spec(trajectory.env_id).entry_point
        env_class = (gym.envs.registration.load_env_creator(entry_point) if isinstance(entry_point, str)
                     else entry_point)
    except gym.error.Error as exc:
        raise ConfigError(f"Cannot find {trajectory.env_id!r} to replay: {exc}",
                          fix="Install the locogym version that recorded it (and --import the module that "
                              "registers a plug-in env).") from exc
    reset_option_names: frozenset[str] = getattr(env_class, "option_names", frozenset())
    kwargs: dict[str, Any] = {k: v for k, v in trajectory.scenario.params.items() if k not in reset_option_names}
    if sandbox is not None or trajectory.sandbox is not None:
        kwargs["sandbox"] = sandbox or trajectory.sandbox
    salt, key = salt_for(trajectory, seed_salt)
    kwargs["seed_salt"] = salt
    if key is not None:
        kwargs["salt_nonce"] = key.nonce
    # No budget: the recording says how the episode ended, and replay applies that after the last recorded step,
    # so a budget of this machine (a slower wall clock, another default step limit) cannot cut it short.
    kwargs.update(max_steps=None, max_context_tokens=None, max_wall_time_s=None)
    return kwargs


def reset_options(trajectory: Trajectory, env: LocoEnv) -> dict[str, Any]:
    """The ``reset`` options that rebuild the recorded scenario on ``env``."""
    config = trajectory.scenario
    options: dict[str, Any] = {"length": config.length, "difficulty": config.difficulty,
                               **{k: v for k, v in config.params.items() if k in env.option_names}}
    if config.task is not None:
        options["task"] = config.task
    return options


def replay(trajectory: Trajectory | str | Path, sandbox: str | None = None, strict: bool = False,
           seed_salt: str | None = None, env: gym.Env[Any, Any] | None = None) -> ReplayReport:
    """Play the recorded actions on a fresh env and compare every step, the final state and the score.

    ``sandbox`` overrides the recorded backend; ``seed_salt`` (default ``$LOCOGYM_SEED_SALT``) is needed for
    an episode generated with one. With ``strict`` the first difference raises :class:`ReplayMismatch`.
    ``env`` is an env made with :func:`env_arguments` to reuse (its sandbox and family data) and leave open;
    without it one is made and closed.

    Raises:
        ConfigError: the env is not registered here, or the episode's seed salt is missing or wrong.
    """
    traj = trajectory if isinstance(trajectory, Trajectory) else read_trajectory(trajectory)
    recorded_score = traj.score
    report = ReplayReport(steps=len(traj.steps), success_recorded=recorded_score.success if recorded_score else None)
    own_env = env is None
    if env is None:
        env = gym.make(traj.env_id, **env_arguments(traj, sandbox, seed_salt))
    try:
        base = env.unwrapped
        assert isinstance(base, LocoEnv)
        base.attach(metadata=EpisodeMetadata(agent=traj.agent, agent_settings=traj.agent_settings,
                                             episode_key=traj.episode_key, privileged=traj.agent_privileged))
        _obs, info = env.reset(seed=traj.scenario.seed, options=reset_options(traj, base))
        recorded_hash = traj.task.content_hash if traj.task else None
        if recorded_hash is not None and info["content_hash"] != recorded_hash:
            report.content_hash_matches = False
            report.differences.append(Difference(None, "content_hash", recorded_hash, info["content_hash"]))
        ended = _play(env, base, traj, report, strict)
        played = base.trajectory
        assert played is not None
        if not ended and traj.termination not in ("running", "submitted"):
            base.end_episode(traj.termination)  # a budget or a provider failure ended it from outside the env
        report.replayed = played
        report.success_replayed = played.score.success if played.score else None
        _compare_end(traj, played, report)
    finally:
        if own_env:
            env.close()
    return report


def _play(env: gym.Env[Any, Any], base: LocoEnv, traj: Trajectory, report: ReplayReport, strict: bool) -> bool:
    """Play every recorded step; True when the env ended the episode (a submit or a budget)."""
    ended = False
    comparison = StepComparison()
    for step in traj.steps:
        if ended:
            report.differences.append(Difference(step.index, "episode", "continues", "had already ended"))
            break
        action, note = _action_of(step)
        found = [note] if note is not None else []
        _obs, _reward, terminated, truncated, _info = env.step(action)
        ended = terminated or truncated
        assert base.trajectory is not None
        tool = base.toolset.tools.get(step.call.name) if step.call is not None else None
        played = base.trajectory.steps[-1]
        differs, varied = comparison.compare(step, played, deterministic=tool is None or tool.deterministic)
        if varied:  # go on from what the agent was shown (see the module docstring), its size counted afresh
            played.result, played.obs_tokens = step.result.model_copy(deep=True), observation_tokens(step.result)
            if played.obs_tokens != step.obs_tokens:
                differs.append(Difference(step.index, "obs_tokens (of the recorded output)", str(step.obs_tokens),
                                          str(played.obs_tokens)))
        found += differs
        if found and strict:
            raise ReplayMismatch(found[0].describe(),
                                 fix="The recording was edited, or the environment or its data changed since.")
        report.differences.extend(found)
        report.varied.extend(varied)
    return ended


def _action_of(step: StepEvent) -> tuple[Any, Difference | None]:
    """What to play for a recorded step, and a difference when its recorded call is not what its raw action
    parses to."""
    parsed = parse_action(step.action_raw)
    if not isinstance(parsed, ToolCall):
        # Unparseable raw action: replay it as is, unless it is a provider object recorded lossily (then the
        # recorded call is all there is).
        return (step.call, None) if step.call is not None else (step.action_raw, None)
    if step.call is None or (parsed.name, parsed.arguments) != (step.call.name, step.call.arguments):
        recorded = dumps(step.call).decode() if step.call is not None else "none"
        return parsed, Difference(step.index, "call (parsed from the raw action)", _short(recorded),
                                  _short(dumps(parsed).decode()))
    return step.call, None


class StepComparison:
    """Compares an episode's steps in order, recorded against replayed: every field the env computes.

    A nondeterministic tool's output, result data and output size are *varied* rather than different, and so is
    a later step's context size while it is off by exactly what those sizes moved since the session began (the
    context is the session's prompt plus every observation and action so far).
    """

    def __init__(self) -> None:
        self._session: int | None = None
        self._drift = 0  # replayed minus recorded context tokens that varied outputs account for

    def compare(self, recorded: StepEvent, replayed: StepEvent,
                deterministic: bool = True) -> tuple[list[Difference], list[Difference]]:
        """(differences, varied) for one step."""
        if recorded.session != self._session:
            self._session, self._drift = recorded.session, 0
        pairs = [(name, getattr(recorded.result, name), getattr(replayed.result, name)) for name in _RESULT_FIELDS]
        pairs += [(name, getattr(recorded, name), getattr(replayed, name)) for name in _STEP_FIELDS]
        differs: list[Difference] = []
        varied: list[Difference] = []
        for name, a, b in pairs:
            if dumps(a) != dumps(b):
                found = Difference(recorded.index, name, _short(dumps(a).decode()), _short(dumps(b).decode()))
                (varied if not deterministic and name in _VARYING_FIELDS else differs).append(found)
        if not deterministic:
            self._drift += replayed.obs_tokens - recorded.obs_tokens
        shift = replayed.context_tokens - recorded.context_tokens
        if shift:
            found = Difference(recorded.index, "context_tokens", str(recorded.context_tokens),
                               str(replayed.context_tokens))
            (varied if shift == self._drift else differs).append(found)
        return differs, varied


def _compare_end(traj: Trajectory, played: Trajectory, report: ReplayReport) -> None:
    if len(played.steps) != len(traj.steps):
        report.differences.append(Difference(None, "steps", str(len(traj.steps)), str(len(played.steps))))
    if played.termination != traj.termination:
        report.differences.append(Difference(None, "termination", traj.termination, played.termination))
    if dumps(played.final_state) != dumps(traj.final_state):
        report.differences.append(Difference(None, "final_state", _short(dumps(traj.final_state).decode()),
                                             _short(dumps(played.final_state).decode())))
    if traj.score is not None and played.score is not None:
        report.differences.extend(Difference(None, *d) for d in compare_scores(traj.score, played.score))
    elif (traj.score is None) != (played.score is None):
        report.differences.append(Difference(None, "score", "none" if traj.score is None else "present",
                                             "none" if played.score is None else "present"))


def compare_scores(old: EpisodeScore, new: EpisodeScore, tolerance: float = 1e-9) -> list[tuple[str, str, str]]:
    """(what, old, new) for every part of two scores that differs: success, outcome, each metric and label."""
    out = []
    if not math.isclose(old.success, new.success, abs_tol=tolerance):
        out.append(("success", repr(old.success), repr(new.success)))
    if old.outcome != new.outcome:
        out.append(("outcome", repr(old.outcome), repr(new.outcome)))
    for key in sorted(set(old.metrics) | set(new.metrics)):
        a, b = old.metrics.get(key), new.metrics.get(key)
        if a is None or b is None or not math.isclose(a, b, abs_tol=tolerance):
            out.append((key, repr(a), repr(b)))
    for key in sorted(set(old.labels) | set(new.labels)):
        if old.labels.get(key) != new.labels.get(key):
            out.append((f"label {key}", repr(old.labels.get(key)), repr(new.labels.get(key))))
    return out


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"
