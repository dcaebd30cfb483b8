"""The Gymnasium contract every locogym environment keeps.

A family subclasses :class:`LocoEnv` and fills in a few hooks: its tools, its task generator, its world (or
sandbox workspace) and its grader. The base class does everything else the same way for every family:

* ``reset(seed, options)`` builds a :class:`~locogym.core.types.ScenarioConfig`, generates the task (same seed
  and options give the same task, byte for byte: ``info["content_hash"]``), starts the sandbox lazily and reuses
  it across resets, and returns the first observation.
* ``step(action)`` accepts every action shape in :mod:`locogym.envs.actions` and never raises on agent input;
  an unusable action becomes an observation that names the error (``ErrorKind.parse``).
* Every step is recorded as a :class:`~locogym.core.types.StepEvent` in ``env.trajectory`` and sent to the
  attached listeners (the harness's recorder writes them to disk as they happen).
* ``submit`` ends the episode (``terminated``), or the current session of a multi-session task
  (``info["new_session"] = True``); a budget (steps, context tokens, wall time) ends it with ``truncated``.
  ``reward`` is 0 until the end, then ``EpisodeScore.success``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import gymnasium as gym

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.ladder import parse_depth
from locogym.core.salt import DEFAULT_NONCE, SaltKey, derive, resolve_salt
from locogym.core.types import (
    EpisodeScore,
    ErrorKind,
    ModelUsage,
    ScenarioConfig,
    StepEvent,
    Task,
    Termination,
    ToolCall,
    ToolResult,
    Trajectory,
    dumps,
)
from locogym.core.version import package_version
from locogym.envs.actions import ActionError, parse_action
from locogym.envs.spaces import ToolCallSpace, UnicodeText
from locogym.sandboxes.base import Sandbox, backend_names, make_sandbox
from locogym.tools.base import Tool, ToolContext, ToolSet

DEFAULT_MAX_STEPS = 64
RESERVED_OPTIONS = frozenset({"length", "task", "difficulty", "depth"})
_TASK_CACHE_SIZE = 8


def observation(result: ToolResult) -> str:
    """What the agent is shown for a tool's result: its output, after an error marker when the call failed."""
    return result.output if result.error is None else f"[error: {result.error.value}] {result.output}"


def observation_tokens(result: ToolResult) -> int:
    """A step's ``obs_tokens`` for ``result``, counted afresh from its text as :meth:`LocoEnv.step` counts them
    (the tool set puts the output's count in ``result.tokens``), so a recorded count is never taken on trust."""
    return tokens.count(result.output) or tokens.count(observation(result))


class EpisodeListener(Protocol):
    """Receives an episode as it happens (the harness's recorder is one)."""

    def on_reset(self, trajectory: Trajectory) -> None: ...

    def on_step(self, step: StepEvent) -> None: ...

    def on_event(self, event: dict[str, Any]) -> None: ...

    def on_end(self, trajectory: Trajectory) -> None: ...


@dataclass(frozen=True)
class Budget:
    """Limits that end an episode with ``truncated``. ``None`` means no limit."""

    max_steps: int | None = DEFAULT_MAX_STEPS
    max_context_tokens: int | None = None
    max_wall_time_s: float | None = None

    def __post_init__(self) -> None:
        """A zero or negative limit would end every episode before its first step: refuse it here."""
        examples = {"max_steps": DEFAULT_MAX_STEPS, "max_context_tokens": 100_000, "max_wall_time_s": 600}
        for name, example in examples.items():
            value = getattr(self, name)
            whole = name != "max_wall_time_s"
            if value is not None and (isinstance(value, bool) or not isinstance(value, int if whole else (int, float))
                                      or value <= 0):
                raise ConfigError(f"{name}={value!r} must be a positive {'integer' if whole else 'number'}.",
                                  fix=f"Pass e.g. {name}={example}, or None for no limit.")

    def as_dict(self) -> dict[str, Any]:
        return {"max_steps": self.max_steps, "max_context_tokens": self.max_context_tokens,
                "max_wall_time_s": self.max_wall_time_s}


@dataclass(frozen=True)
class EpisodeMetadata:
    """Who plays the episodes and under which key: written into each trajectory's header at reset."""

    agent: str = "unknown"
    agent_settings: Mapping[str, Any] = field(default_factory=dict)
    episode_key: str = ""
    privileged: bool = False  # a reference agent that reads the hidden task (the oracle), never a competitor


class LocoEnv(gym.Env[str, Any], ABC):
    """Base class of every locogym environment. Subclasses implement the hooks marked *family hook*."""

    metadata = {"render_modes": ["ansi"], "render_fps": 1}  # noqa: RUF012 - Gymnasium's own attribute
    # What a family declares about itself; the registry (envs/registry.py), ``locogym envs``, the preset tournament
    # and the heuristic baseline read these, so a new family is described in one place: its class.
    env_id: ClassVar[str] = ""
    family: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one line: what the env measures
    uses_sandbox: ClassVar[bool] = False  # tools act on files in a sandbox (else on an in-process world)
    executes_commands: ClassVar[bool] = False  # tasks run commands (project tests): the fake sandbox cannot serve
    heuristic_policy: ClassVar[str | None] = None  # "module:Class" of the model-free policy, an Agent subclass
    docs_page: ClassVar[str | None] = None  # default docs/envs/<env_id>.md
    option_names: ClassVar[frozenset[str]] = frozenset()
    default_length: ClassVar[int] = 8192
    # The length ladder: the first rung is the length the task's core is drawn to fit; every rung gives the same
    # core (core_hash) with a larger context. check_family and bench/length.py climb it.
    ladder: ClassVar[tuple[str, ...]] = ("8k", "32k", "128k")
    default_task: ClassVar[str | None] = None
    preset_tasks: ClassVar[tuple[str, ...]] = ()  # task kinds the preset tournament runs (default: the default)

    def __init__(self, render_mode: str | None = None, sandbox: str | Sandbox = "auto",
                 max_steps: int | None = DEFAULT_MAX_STEPS, max_context_tokens: int | None = None,
                 max_wall_time_s: float | None = None, seed_salt: str | None = None,
                 salt_nonce: str | None = None,
                 **family_kwargs: Any) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode={render_mode!r} is not supported.", fix='Use render_mode="ansi" or None.')
        if not isinstance(sandbox, Sandbox) and sandbox not in backend_names():  # also where no sandbox is used
            raise ConfigError(f"Unknown sandbox backend {sandbox!r}.", fix=f"Use one of: {', '.join(backend_names())}.")
        self.render_mode = render_mode
        self.sandbox_spec = sandbox
        # Kept out of family_params on purpose: those are recorded with every task, the salt never is.
        self.seed_salt = resolve_salt(seed_salt)
        # stretched once per env (scrypt takes tens of milliseconds); the nonce is public and recorded
        self.salt_key: SaltKey | None = (derive(self.seed_salt, salt_nonce or DEFAULT_NONCE)
                                         if self.seed_salt is not None else None)
        self.budget = Budget(max_steps=max_steps, max_context_tokens=max_context_tokens,
                             max_wall_time_s=max_wall_time_s)
        self.family_params: dict[str, Any] = self.configure(**family_kwargs)
        self.toolset = ToolSet(self.build_tools())
        self.observation_space = UnicodeText()
        self.action_space = ToolCallSpace(self.toolset.specs())
        self._listeners: list[EpisodeListener] = []
        self._metadata = EpisodeMetadata()
        self._pending_usage: ModelUsage | None = None  # the model usage behind the next action
        self.task: Task | None = None
        self.trajectory: Trajectory | None = None
        self.ctx: ToolContext | None = None
        self._sandbox: Sandbox | None = sandbox if isinstance(sandbox, Sandbox) else None
        self._owns_sandbox = not isinstance(sandbox, Sandbox)
        self._task_cache: OrderedDict[str, Task] = OrderedDict()
        self._transcript: list[str] = []
        self._done = False
        self._ended: tuple[bool, bool] = (False, False)
        self._session = 0
        self._context_tokens = 0
        self._started = 0.0
        self._closed = False

    # ------------------------------------------------------------------ family hooks
    def configure(self, **kwargs: Any) -> dict[str, Any]:
        """*Family hook.* Validate constructor arguments; they become part of every ScenarioConfig's params."""
        if kwargs:
            raise ConfigError(f"{self.env_id or type(self).__name__} takes no argument(s) {sorted(kwargs)}.",
                              fix="Check the environment's page in docs/envs/ for its arguments.")
        return {}

    @abstractmethod
    def build_tools(self) -> list[Tool]:
        """*Family hook.* The fixed tool set (may depend on constructor arguments, never on the task)."""

    @abstractmethod
    def generate(self, config: ScenarioConfig) -> Task:
        """*Family hook.* A pure, deterministic task generator."""

    def build_world(self, task: Task) -> Any:
        """*Family hook.* The in-process world the tools act on (wiki index, booking world), if any."""
        return None

    def prepare_sandbox(self, task: Task, sandbox: Sandbox) -> None:
        """*Family hook.* Put the task's files in the workspace."""
        sandbox.load_workspace(task.workspace or {})

    def session_prompt(self, task: Task, session: int) -> str:
        """*Family hook.* The first observation of a session."""
        if task.sessions:
            return task.sessions[session].prompt
        return task.prompt

    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        """*Family hook.* Per-step facts for scoring (a wrong API call, a distractor taken for gold, ...)."""
        return {}

    @abstractmethod
    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        """*Family hook.* The executable oracle: success in [0, 1] and an outcome label."""

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        """*Family hook.* What the grader looked at (bookings, the diff), stored in the trajectory."""
        return {}

    # ------------------------------------------------------------------ configuration
    def make_config(self, seed: int, options: dict[str, Any] | None) -> ScenarioConfig:
        if options is not None and not isinstance(options, Mapping):
            raise ConfigError(f"reset options must be a dict, not {type(options).__name__} {options!r:.60}.",
                              fix='Pass e.g. options={"length": "32k"}.')
        options = dict(options or {})
        unknown = set(options) - RESERVED_OPTIONS - self.option_names
        if unknown:
            allowed = ", ".join(sorted(RESERVED_OPTIONS | self.option_names))
            raise ConfigError(f"Unknown reset option(s) {sorted(unknown)} for {self.env_id}.",
                              fix=f"Allowed: {allowed}.")
        length = tokens.parse_length(options.pop("length", self.default_length))
        task = options.pop("task", self.default_task)
        difficulty = options.pop("difficulty", "medium")
        if difficulty not in {"easy", "medium", "hard"}:
            raise ConfigError(f"difficulty={difficulty!r} is not known.", fix="Use easy, medium or hard.")
        depth = parse_depth(options.pop("depth", None))
        params = {**self.family_params, **options}
        return ScenarioConfig(family=self.family, seed=int(seed), length=length, task=task,
                              difficulty=difficulty, params=params, depth=depth)

    def task_for(self, config: ScenarioConfig) -> Task:
        """Generate (or fetch from the small in-process cache) the task of ``config``."""
        key = dumps(config).decode()
        task = self._task_cache.get(key)
        if task is None:
            task = self._generate_salted(config) if self.seed_salt else self.generate(config)
            if not task.content_hash:
                task = task.with_hash()
            self._task_cache[key] = task
            while len(self._task_cache) > _TASK_CACHE_SIZE:
                self._task_cache.popitem(last=False)
        self._task_cache.move_to_end(key)
        return task

    def _generate_salted(self, config: ScenarioConfig) -> Task:
        """Generate from a seed only the salt's holder can derive; the id then names no seed (see core.salt)."""
        assert self.salt_key is not None
        task = self.generate(config.model_copy(update={"seed": self.salt_key.seed(config.seed)}))
        task_id = self.salt_key.task_id(self.family, dumps(config).decode())
        return task.model_copy(update={"task_id": task_id, "content_hash": ""}).with_hash()

    # ------------------------------------------------------------------ sandbox
    def sandbox_options(self) -> dict[str, Any]:
        """*Family hook.* Backend options for the episode's sandbox (for example a project's own Docker image)."""
        return {}

    def get_sandbox(self) -> Sandbox:
        """The episode's sandbox, started on first use and kept across resets until :meth:`close`."""
        if self._sandbox is None:
            self._sandbox = make_sandbox(str(self.sandbox_spec), **self.sandbox_options())
        return self._sandbox

    def _check_open(self) -> None:
        """After close() a tool call would start a fresh sandbox (a container) that nothing ever closes."""
        if self._closed:
            raise gym.error.ClosedEnvironmentError(f"{self.env_id} was closed; make a new env with gym.make().")

    @property
    def sandbox_name(self) -> str | None:
        if not self.uses_sandbox:
            return None
        return self._sandbox.backend if self._sandbox is not None else str(self.sandbox_spec)

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        self._check_open()
        super().reset(seed=seed)
        # Forget the previous episode first: when bad options make this reset raise, step() must say "call
        # reset() first" rather than carry on with the old task or a half-built new one.
        self.trajectory, self.task, self.ctx = None, None, None
        if seed is None:
            seed = int(self.np_random.integers(0, 2**31 - 1))
        config = self.make_config(seed, options)
        task = self.task_for(config)
        self.task = task
        self.ctx = ToolContext(task=task, sandbox_factory=self.get_sandbox if self.uses_sandbox else None,
                               world=self.build_world(task))
        if self.uses_sandbox:
            self.prepare_sandbox(task, self.ctx.sandbox)
        self._done = False
        self._ended = (False, False)
        self._session = 0
        self._started = time.monotonic()
        self.trajectory = Trajectory(env_id=self.env_id, scenario=config, agent=self._metadata.agent,
                                     agent_settings=dict(self._metadata.agent_settings), task=task,
                                     sandbox=self.sandbox_name, episode_key=self._metadata.episode_key,
                                     agent_privileged=self._metadata.privileged, core_hash=task.core_hash,
                                     locogym_version=package_version(),
                                     salt_hash=self.salt_key.fingerprint if self.salt_key else None)
        obs = self.session_prompt(task, 0)
        self._context_tokens = tokens.count(obs)
        self._transcript = [f"=== {self.env_id} task {task.task_id} (session 0) ===\n{obs}"]
        for listener in self._listeners:
            listener.on_reset(self.trajectory)
        return obs, self._info(new_session=False)

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        self._check_open()
        if self.trajectory is None or self.task is None or self.ctx is None:
            raise gym.error.ResetNeeded("Call reset() before step().")
        if self._done:
            terminated, truncated = self._ended
            return ("The episode has ended. Call reset() to start a new one.", self._reward(), terminated,
                    truncated, self._info(new_session=False))
        start = time.perf_counter()
        parsed = parse_action(action)
        call: ToolCall | None = None
        if isinstance(parsed, ActionError):
            result = ToolResult(output=parsed.message, error=ErrorKind.parse, tokens=tokens.count(parsed.message))
        else:
            call = parsed
            self.ctx.session = self._session
            result = self.toolset.invoke(self.ctx, call)
        annotations = self.annotate(call, result, self.ctx)
        latency_ms = (time.perf_counter() - start) * 1000
        obs = observation(result)
        obs_tokens = result.tokens or tokens.count(obs)
        action_tokens = tokens.count(dumps(call).decode()) if call is not None else 0
        self._context_tokens += obs_tokens + action_tokens
        step = StepEvent(index=len(self.trajectory.steps), session=self._session, action_raw=action, call=call,
                         result=result, latency_ms=latency_ms, obs_tokens=obs_tokens,
                         context_tokens=self._context_tokens,
                         evidence_seen=[str(e) for e in result.data.get("evidence", [])],
                         usage=self._pending_usage, annotations=annotations)
        if self._pending_usage is not None:
            self.trajectory.usage = self.trajectory.usage + self._pending_usage
            self._pending_usage = None
        self.trajectory.steps.append(step)
        for listener in self._listeners:
            listener.on_step(step)
        self._transcript.append(f"--> {dumps(call).decode() if call else repr(action)[:500]}\n<-- {obs}")

        terminated = truncated = False
        new_session = False
        submitted = (bool(result.data.get("submitted")) and call is not None
                     and self.toolset.tools[call.name].ends_session)
        if submitted and self.task.sessions and self._session + 1 < len(self.task.sessions):
            self._session += 1
            new_session = True
            obs = self.session_prompt(self.task, self._session)
            self._context_tokens = tokens.count(obs)
            self.record_event({"kind": "session_start", "session": self._session, "step": step.index + 1})
            self._transcript.append(f"=== session {self._session} ===\n{obs}")
        elif submitted:
            terminated = True
            self._finish("submitted")
        elif result.error == ErrorKind.internal:
            # A defect in locogym, not the agent's doing: stop here, and never score what came of it.
            self.record_event({"kind": "tool_failure", "step": step.index, "tool": call.name if call else None,
                               "message": str(result.data.get("exception", result.output))})
            truncated = True
            self._finish("error")
        else:
            reason = self._budget_exceeded()
            if reason is not None:
                truncated = True
                self._finish(reason)
        return obs, self._reward(), terminated, truncated, self._info(new_session=new_session)

    # ------------------------------------------------------------------ the harness's seam
    def attach(self, *, metadata: EpisodeMetadata | None = None,
               listeners: Sequence[EpisodeListener] = ()) -> Callable[[], None]:
        """Name who plays the next episodes and add listeners that receive them as they happen.

        Call before ``reset`` (the metadata goes into the trajectory's header). Returns a function that detaches
        the listeners again; the metadata stays until the next ``attach``.
        """
        if metadata is not None:
            self._metadata = metadata
        added = list(listeners)
        self._listeners.extend(added)

        def detach() -> None:
            for listener in added:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return detach

    def report_usage(self, usage: ModelUsage | None) -> None:
        """The model usage behind the next action: recorded on the step that action makes."""
        self._pending_usage = usage

    def record_event(self, event: dict[str, Any]) -> None:
        """Add an event (a session start, a context compaction, a provider failure) to the trajectory and tell the
        listeners."""
        assert self.trajectory is not None, "reset() first"
        self.trajectory.events.append(event)
        for listener in self._listeners:
            listener.on_event(event)

    def _budget_exceeded(self) -> Termination | None:
        assert self.trajectory is not None
        if self.budget.max_steps is not None and len(self.trajectory.steps) >= self.budget.max_steps:
            return "max_steps"
        if self.budget.max_context_tokens is not None and self._context_tokens > self.budget.max_context_tokens:
            return "max_context_tokens"
        if self.budget.max_wall_time_s is not None and time.monotonic() - self._started > self.budget.max_wall_time_s:
            return "max_wall_time"
        return None

    def end_episode(self, termination: Termination) -> EpisodeScore:
        """End the episode from outside (an agent's cost budget, a provider failure): grade and notify."""
        if not self._done:
            self._finish(termination)
        assert self.trajectory is not None and self.trajectory.score is not None
        return self.trajectory.score

    def _finish(self, termination: Termination) -> None:
        from locogym.scoring import score_episode

        assert self.trajectory is not None and self.task is not None and self.ctx is not None
        self._done = True
        self._ended = (termination == "submitted", termination != "submitted")
        self.trajectory.termination = termination
        if termination == "error":
            # Infrastructure (a provider, a sandbox, a tool's defect) ended the episode: it says nothing about the
            # agent, so it is not graded; the harness reports it as errored and can run it again.
            causes = [str(e.get("message", "")) for e in self.trajectory.events
                      if e.get("kind") in ("provider_error", "tool_failure")]
            self.trajectory.score = EpisodeScore(success=0.0, outcome="errored",
                                                 labels={"errored": (causes[-1] if causes else "error")[:500]})
        else:
            self.trajectory.final_state = self.final_state(self.ctx)
            outcome = self.grade(self.task, self.trajectory, self.ctx)
            self.trajectory.score = score_episode(self.trajectory, outcome)
        self._transcript.append(f"=== end: {termination}; success {self.trajectory.score.success:.3f} "
                                f"({self.trajectory.score.outcome}) ===")
        for listener in self._listeners:
            listener.on_end(self.trajectory)

    def _reward(self) -> float:
        if self._done and self.trajectory is not None and self.trajectory.score is not None:
            return float(self.trajectory.score.success)
        return 0.0

    def _info(self, new_session: bool) -> dict[str, Any]:
        assert self.task is not None and self.trajectory is not None
        info: dict[str, Any] = {
            "env_id": self.env_id,
            "family": self.family,
            "heuristic_policy": self.heuristic_policy,
            "task_id": self.task.task_id,
            "content_hash": self.task.content_hash,
            "core_hash": self.task.core_hash,  # keyed by the core's seed: names the task, reveals nothing of it
            "length_tokens": self.task.length_tokens,
            "tools": self.toolset.spec_dicts(),
            "budget": self.budget.as_dict(),
            "sandbox": self.sandbox_name,
            "session": self._session,
            "num_sessions": len(self.task.sessions) if self.task.sessions else 1,
            "new_session": new_session,
            "step": len(self.trajectory.steps),
            "context_tokens": self._context_tokens,
        }
        if self.trajectory.steps:
            last = self.trajectory.steps[-1].result
            info["error"] = last.error.value if last.error else None
        if self._done and self.trajectory.score is not None:
            info["termination"] = self.trajectory.termination
            info["score"] = self.trajectory.score.model_dump()
        return info

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return "\n".join(self._transcript) + "\n"
        return None

    def close(self) -> None:
        if self._sandbox is not None and self._owns_sandbox:
            self._sandbox.close()
            self._sandbox = None
        self._closed = True
        super().close()
