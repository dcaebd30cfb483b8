"""``check_family(env_id)``: the contract every locogym family keeps, checked the way Gymnasium's ``check_env`` is.

One function per check, each raising :class:`FamilyCheckError` with a message that says what to fix. The package's
own tests call :func:`check_family` for every registered family, so a new family is tested by registering it::

    from locogym.testing import check_family
    check_family("My-Env-v0")            # raises FamilyCheckError listing every failed check

The checks: the class declares what the registry needs; Gymnasium's own ``check_env`` passes; the same seed and
options give the same task in another process; the same seed gives the same core (question, gold, core hash) at
every length of the family's ladder, with only the context growing; the oracle scores 1.0 and ``noop`` 0 on every
seed and length; the env works as a vector env; fuzzed actions never raise; every behaviour metric is computed.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.utils.env_checker import check_env

from locogym.agents import make_agent
from locogym.core.errors import TaskRefused
from locogym.core.types import dumps
from locogym.envs import LocoEnv, env_class
from locogym.harness.runner import run_episode, unwrap
from locogym.scoring.common import BEHAVIOURS

FUZZ_STEPS = 150
REFUSED_SHARE = 0.05  # of seeds a ladder may refuse (a length too short for that seed's core), each with its reason


class FamilyCheckError(AssertionError):
    """One or more checks failed; the message lists each with how to fix it."""


@dataclass
class FamilyReport:
    """What :func:`check_family` ran: the checks that passed and, per failed check, its message."""

    env_id: str
    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class _Setup:
    env_id: str
    cls: type[LocoEnv]
    kwargs: dict[str, Any]
    seeds: tuple[int, ...]
    lengths: tuple[str, ...]
    ladder: tuple[str, ...] = ()
    ladder_seeds: tuple[int, ...] = ()

    def make(self) -> gym.Env[Any, Any]:
        return gym.make(self.env_id, **self.kwargs)


def check_family(env_id: str, *, seeds: Sequence[int] = (0, 1), lengths: Sequence[str] | None = None,
                 sandbox: str | None = None, env_kwargs: dict[str, Any] | None = None,
                 ladder: Sequence[str] | None = None, ladder_seeds: Sequence[int] | None = None,
                 raise_on_failure: bool = True) -> FamilyReport:
    """Run every check on a registered family and report (or raise) what failed.

    ``sandbox`` defaults to ``local`` for families whose tasks execute commands and ``fake`` for the rest.
    ``lengths`` (default: the first rung of the class's ladder) are those the oracle, noop and the other checks
    play at. ``ladder`` (default: the class's ``ladder``) and ``ladder_seeds`` (default: ``seeds``) are the lengths and
    seeds over which the same seed must give the same core.

    Raises:
        FamilyCheckError: a check failed (unless ``raise_on_failure`` is false); the message names each check and
            how to fix it.
        ConfigError: ``env_id`` is not registered.
    """
    cls = env_class(env_id)
    kwargs = dict(env_kwargs or {})
    kwargs.setdefault("sandbox", sandbox or ("local" if cls.executes_commands else "fake"))
    setup = _Setup(env_id, cls, kwargs, tuple(seeds), tuple(lengths or cls.ladder[:1]), tuple(ladder or cls.ladder),
                   tuple(ladder_seeds if ladder_seeds is not None else seeds))
    report = FamilyReport(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the local sandbox warns once per env; the checks are what matter here
        for check in CHECKS:
            try:
                check(setup)
            except FamilyCheckError as exc:
                report.failed[check.__name__] = str(exc)
            except Exception as exc:  # noqa: BLE001 - a crash inside a check is that check's failure
                report.failed[check.__name__] = f"raised {type(exc).__name__}: {exc}"
            else:
                report.passed.append(check.__name__)
    if report.failed and raise_on_failure:
        lines = "\n".join(f"- {name}: {message}" for name, message in report.failed.items())
        raise FamilyCheckError(f"{env_id} failed {len(report.failed)} check(s):\n{lines}")
    return report


def check_declaration(setup: _Setup) -> None:
    """The class says what it is: id, family, summary, a heuristic policy, and options the env really takes."""
    cls = setup.cls
    if cls.env_id != setup.env_id:
        raise FamilyCheckError(f"the class declares env_id {cls.env_id!r} but is registered as {setup.env_id!r}; "
                               "register it with locogym.register_family(cls).")
    if not cls.heuristic_policy:
        raise FamilyCheckError('no heuristic_policy: set heuristic_policy = "module:Class" (a model-free Agent) so '
                               "the leaderboard's heuristic baseline has something to run.")
    reserved = {"length", "task", "difficulty", "depth"} & set(cls.option_names)
    if reserved:
        raise FamilyCheckError(f"option_names repeats the reserved options {sorted(reserved)}; list only the "
                               "family's own reset options.")


def check_gymnasium_contract(setup: _Setup) -> None:
    """Gymnasium's own ``check_env`` on the unwrapped env (spaces, seeding, reset and step signatures)."""
    env = setup.make()
    try:
        check_env(env.unwrapped, skip_render_check=False)
    except AssertionError as exc:
        raise FamilyCheckError(f"gymnasium's check_env: {exc}") from None
    finally:
        env.close()


def check_determinism(setup: _Setup) -> None:
    """Same seed and options give the same task, in this process and in another one with another hash seed."""
    options = {"length": setup.lengths[0]}
    first, again, other = (_reset_info(setup, seed, options)  # fresh envs: an env caches the tasks it made
                           for seed in (setup.seeds[0], setup.seeds[0], setup.seeds[-1] + 1))
    if first["content_hash"] != again["content_hash"]:
        raise FamilyCheckError("two resets with the same seed gave different tasks: generate() must draw every "
                               "random choice from random.Random(config.rng_seed()), never from global state.")
    if other["content_hash"] == first["content_hash"]:
        raise FamilyCheckError("two seeds gave the same task: generate() must use config.seed.")
    module = setup.cls.__module__
    if module == "__main__":
        return  # a family defined in a script cannot be imported by another process
    # Import the family's module; register the class by name when importing it did not (a test's own family).
    probe = (f"import json, importlib, functools, warnings, gymnasium as gym, locogym\n"
             f"module = importlib.import_module({module!r})\n"
             f"if {setup.env_id!r} not in gym.registry:\n"
             f"    locogym.register_family(functools.reduce(getattr, {setup.cls.__qualname__!r}.split('.'), module))\n"
             f"warnings.simplefilter('ignore')\nenv = gym.make({setup.env_id!r}, **{setup.kwargs!r})\n"
             f"_, info = env.reset(seed={setup.seeds[0]}, options={options!r})\nenv.close()\n"
             "print(json.dumps(info['content_hash']))\n")
    env_vars = {**os.environ, "PYTHONHASHSEED": "4242", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env_vars, timeout=600)
    if done.returncode != 0:
        raise FamilyCheckError(f"the family cannot be made in a fresh process ({done.stderr.strip()[-400:]}); its "
                               "module must be importable (on PYTHONPATH) and the class reachable by its name.")
    remote = json.loads(done.stdout.strip().splitlines()[-1])
    if remote != first["content_hash"]:
        raise FamilyCheckError("another process (another PYTHONHASHSEED) generated a different task for the same "
                               "seed: avoid iterating over sets or hash() in generate(); sort instead.")


def check_same_core_at_every_length(setup: _Setup) -> None:
    """Length is a controlled variable: the same seed gives the same core (core hash, question, gold, depth) at every
    rung of the ladder, and only the context around it changes. A rung too short for a seed's core is refused with
    ``TaskRefused`` (never swapped for another task), for at most 5% of the seeds."""
    if len(setup.ladder) < 2:
        raise FamilyCheckError(f"the ladder {setup.ladder!r} has fewer than two lengths: declare ladder = (\"8k\", "
                               "\"32k\", ...) on the class, the first rung being the length "
                               "its cores are drawn to fit.")
    refused: dict[int, str] = {}
    env = setup.make()
    try:
        for seed in setup.ladder_seeds:
            cores: list[tuple[str, str, tuple[Any, ...]]] = []
            for length in setup.ladder:
                try:
                    env.reset(seed=seed, options={"length": length})
                except TaskRefused as exc:
                    refused[seed] = f"{length}: {exc}"
                    break
                task = unwrap(env).task
                assert task is not None
                if not task.core_hash:
                    raise FamilyCheckError("the task has no core_hash: generate() must name the task's core with "
                                           "locogym.core.ladder.core_hash(config, core) (question, gold, evidence "
                                           "identity and depth: nothing that depends on length).")
                cores.append((length, task.content_hash,
                              (task.core_hash, task.question, dumps(task.gold).decode(), task.depth)))
            if seed in refused:
                continue
            _same_core(seed, cores)
    finally:
        env.close()
    allowed = int(REFUSED_SHARE * len(setup.ladder_seeds))
    if len(refused) > allowed:
        reasons = "; ".join(f"seed {s} at {r}" for s, r in sorted(refused.items())[:5])
        raise FamilyCheckError(f"{len(refused)} of {len(setup.ladder_seeds)} seeds were refused on the ladder "
                               f"{', '.join(setup.ladder)} (at most {allowed} may be): {reasons}. Draw cores that fit "
                               "the first rung.")


def _same_core(seed: int, cores: list[tuple[str, str, tuple[Any, ...]]]) -> None:
    names = ("core_hash", "question", "gold", "depth")
    first_length, first_content, first = cores[0]
    for length, content, core in cores[1:]:
        moved = [name for name, a, b in zip(names, first, core, strict=True) if a != b]
        if moved:
            raise FamilyCheckError(f"seed {seed} is another task at {length} than at {first_length} "
                                   f"({', '.join(moved)} changed): draw the core from config.core_seed() "
                                   "and only the context from config.fill_seed(), and reject a fill that "
                                   "moves the gold.")
        if content == first_content:
            raise FamilyCheckError(f"seed {seed} gives the same task at {length} as at {first_length}: the context "
                                   "must grow with length.")


def check_oracle_scores_one(setup: _Setup) -> None:
    """The oracle (replaying ``oracle_plan``) scores 1.0 on every seed and length."""
    for seed, length in _cells(setup):
        traj = _play(setup, "oracle", seed, length)
        if traj.score is None or traj.score.success != 1.0:
            got = f"{traj.score.success} ({traj.score.outcome})" if traj.score else traj.termination
            raise FamilyCheckError(f"the oracle scored {got} on seed {seed} at {length}: oracle_plan must be a "
                                   "complete solution that the grader accepts, for every task generate() makes.")


def check_noop_scores_zero(setup: _Setup) -> None:
    """``noop`` (submits at once, no answer) scores 0: every metric's floor."""
    for seed, length in _cells(setup):
        traj = _play(setup, "noop", seed, length)
        if traj.score is None or traj.score.success != 0.0:
            got = traj.score.success if traj.score else traj.termination
            raise FamilyCheckError(f"noop scored {got} on seed {seed} at {length}: an empty answer must score 0 "
                                   "(does grade() credit a missing answer?).")


def check_vector_env(setup: _Setup) -> None:
    """``gym.make_vec`` (synchronous) resets and steps two copies."""
    envs = gym.make_vec(setup.env_id, num_envs=2, vectorization_mode="sync", vector_kwargs={},
                        **setup.kwargs)
    try:
        obs, _ = envs.reset(seed=setup.seeds[0])
        if len(obs) != 2 or not all(isinstance(o, str) for o in obs):
            raise FamilyCheckError("a vector env did not return one text observation per copy.")
        envs.step(('{"name": "submit", "arguments": {}}',) * 2)
    finally:
        envs.close()


def check_fuzzed_actions_never_raise(setup: _Setup) -> None:
    """Random valid and malformed actions come back as observations; the env never raises on agent input."""
    env = setup.make()
    env.action_space.seed(setup.seeds[0])
    try:
        env.reset(seed=setup.seeds[0], options={"length": setup.lengths[0]})
        for _ in range(FUZZ_STEPS):
            action = env.action_space.sample()
            try:
                _, _, terminated, truncated, _ = env.step(action)
            except Exception as exc:  # noqa: BLE001 - exactly what this check looks for
                raise FamilyCheckError(f"step({action!r:.120}) raised {type(exc).__name__}: {exc}. A tool must raise "
                                       "a ToolError subclass for a bad call, never let it escape.") from None
            if terminated or truncated:
                env.reset(seed=setup.seeds[0], options={"length": setup.lengths[0]})
        internal = [s for s in unwrap(env).trajectory.steps if s.result.error is not None  # type: ignore[union-attr]
                    and s.result.error.value == "internal"]
        if internal:
            raise FamilyCheckError(f"a fuzzed call hit a defect in a tool: {internal[0].result.data.get('exception')}; "
                                   "raise a ToolError subclass for the agent's mistakes.")
    finally:
        env.close()


def check_every_metric_computed(setup: _Setup) -> None:
    """The oracle's score carries finite metrics in every behaviour namespace (consistency where there are probes)."""
    seed, length = next(iter(_cells(setup)))
    traj = _play(setup, "oracle", seed, length)
    score = traj.score
    assert score is not None
    expected = [b for b in BEHAVIOURS if b != "consistency" or (traj.task is not None and traj.task.probes)]
    missing = [b for b in expected if not any(k.startswith(f"{b}.") for k in score.metrics)]
    if missing:
        raise FamilyCheckError(f"no {', '.join(missing)} metrics in the score: the task needs evidence and an "
                               "oracle_plan for them to be computed.")
    bad = sorted(k for k, v in score.metrics.items() if not math.isfinite(v))
    if bad:
        raise FamilyCheckError(f"metrics {bad} are not finite numbers.")


def _reset_info(setup: _Setup, seed: int, options: dict[str, Any]) -> dict[str, Any]:
    env = setup.make()
    try:
        return env.reset(seed=seed, options=options)[1]
    finally:
        env.close()


def _cells(setup: _Setup) -> list[tuple[int, str]]:
    return [(seed, length) for seed in setup.seeds for length in setup.lengths]


def _play(setup: _Setup, agent: str, seed: int, length: str) -> Any:
    env = setup.make()
    try:
        return run_episode(env, make_agent(agent), seed=seed, options={"length": length})
    finally:
        env.close()


CHECKS: tuple[Callable[[_Setup], None], ...] = (
    check_declaration, check_gymnasium_contract, check_determinism, check_same_core_at_every_length,
    check_oracle_scores_one,
    check_noop_scores_zero, check_vector_env, check_fuzzed_actions_never_raise, check_every_metric_computed,
)

__all__ = ["CHECKS", "FamilyCheckError", "FamilyReport", "check_family"]
