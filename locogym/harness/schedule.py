"""What a tournament runs: its configuration (TOML file, flags, or the built-in preset) expanded into episodes.

A tournament is the product agents × envs × tasks × lengths × depths × seeds × trials (depths only when asked for:
by default each seed draws its own). Each cell is an :class:`EpisodeJob` with a stable **episode key** — a hash of
the env id, the full :class:`~locogym.core.types.ScenarioConfig` (seed, length, depth, task, difficulty and the
family's parameters), the agent's name, its settings, the env budget and, from
the second attempt at a task on, the trial number — so
that a resumed or re-planned run recognises an episode it already finished, whatever order it is scheduled in.
Nothing here touches a sandbox or a model: planning is cheap and safe to run as a dry run.
"""

from __future__ import annotations

import itertools
import os
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from locogym.core import tokens
from locogym.core.errors import ConfigError, LocoError
from locogym.core.ladder import parse_depth
from locogym.core.types import ScenarioConfig, stable_hash

BASELINE_AGENTS = ("oracle", "heuristic", "grep", "random", "noop")
BASELINE_PROVIDER = "baseline"
PRESET_LENGTHS = ("8k", "16k")
PRESET_SEEDS = 3
# The preset adds the multi-session repo task so that every behaviour, long-horizon consistency included, is
# measured by the main job; other envs run their family's default task.
DEFAULT_PROVIDER_CONCURRENCY = 8
# Settings that must never reach a key, a trajectory or a report.
_SECRET_MARKERS = ("api_key", "apikey", "secret", "password", "authorization")
# How requests travel, not what the model does: left out of the episode key, so a resume against the same model
# served at another address (or with the response cache off) still recognises its finished episodes.
TRANSPORT_SETTINGS = frozenset({"base_url", "cache", "timeout", "retry"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentEntry(_Strict):
    """One contestant: ``spec`` as :func:`locogym.make_agent` reads it, plus the keyword arguments it is built with.

    ``label`` names the contestant on the leaderboard (defaults to ``spec``); two entries with the same spec and
    different settings need distinct labels.
    """

    spec: str
    label: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.label or self.spec

    @property
    def provider(self) -> str:
        """The concurrency pool the agent draws from: its provider, or ``baseline`` for model-free agents."""
        if self.spec in BASELINE_AGENTS:
            return BASELINE_PROVIDER
        return self.spec.partition("/")[0]

    def public_settings(self) -> dict[str, Any]:
        """Settings without secrets: what may be written to the run folder."""
        return {k: v for k, v in sorted(self.settings.items())
                if not any(marker in k.lower() for marker in _SECRET_MARKERS)}

    def model_settings(self) -> dict[str, Any]:
        """What decides the model's behaviour (no secrets, no transport): part of the episode key."""
        return {k: v for k, v in self.public_settings().items() if k not in TRANSPORT_SETTINGS}


class EnvBudget(_Strict):
    """Per-episode limits handed to every env (``None``: the env's default or no limit)."""

    max_steps: int | None = Field(default=None, ge=1)
    max_context_tokens: int | None = Field(default=None, ge=1)
    max_wall_time_s: float | None = Field(default=None, gt=0)

    def env_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class TournamentConfig(_Strict):
    """Everything that decides a tournament. Loaded from TOML (:func:`load_config`) or built from flags."""

    agents: list[AgentEntry]
    envs: list[str]
    lengths: list[int]
    seeds: list[int]
    # where the evidence sits, 0 (start) .. 1 (end): a controlled axis like length; None draws it from each seed
    depths: list[float] | None = None
    trials: int = Field(default=1, ge=1)  # independent attempts per task (pass^k, flip rate)
    tasks: dict[str, list[str]] = Field(default_factory=dict)  # env id -> task kinds ("*" applies to every env)
    env_args: dict[str, dict[str, Any]] = Field(default_factory=dict)  # env id -> gym.make kwargs
    sandbox: str = "auto"
    budget: EnvBudget = Field(default_factory=EnvBudget)
    max_total_cost_usd: float | None = Field(default=None, gt=0)
    concurrency: dict[str, int] = Field(default_factory=dict)  # provider -> episodes in flight
    workers: int | None = Field(default=None, ge=1)  # process pool size for baseline (CPU-bound) episodes
    imports: list[str] = Field(default_factory=list)  # modules that register extra envs (their register())
    out: str = "runs/main"
    backend: str = "local"
    ray_address: str | None = None
    preset: bool = False

    @field_validator("lengths", mode="before")
    @classmethod
    def _lengths(cls, value: Any) -> list[int]:
        values = value if isinstance(value, list) else [value]
        return [tokens.parse_length(v) for v in values]

    @field_validator("depths", mode="before")
    @classmethod
    def _depths(cls, value: Any) -> list[float] | None:
        if value is None:
            return None
        values = value if isinstance(value, list) else [value]
        parsed = [parse_depth(v) for v in values]
        return [d for d in parsed if d is not None] or None

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, value: Any) -> list[int]:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise ValueError("seeds as a count must be at least 1")
            return list(range(value))
        return value

    @field_validator("agents", mode="before")
    @classmethod
    def _agents(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            if isinstance(item, str):
                out.append({"spec": item})
            elif isinstance(item, dict) and "spec" in item:
                known = {k: item[k] for k in ("spec", "label", "settings") if k in item}
                extra = {k: v for k, v in item.items() if k not in known}
                known["settings"] = {**extra, **known.get("settings", {})}
                out.append(known)
            else:
                out.append(item)
        return out

    @field_validator("backend")
    @classmethod
    def _backend(cls, value: str) -> str:
        if value not in {"local", "ray"}:
            raise ValueError(f"backend {value!r} is not local or ray")
        return value

    def concurrency_for(self, provider: str) -> int:
        if provider in self.concurrency:
            return max(1, int(self.concurrency[provider]))
        if provider == BASELINE_PROVIDER:
            return self.worker_count()
        return DEFAULT_PROVIDER_CONCURRENCY

    def worker_count(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)

    def depths_or_drawn(self) -> list[float | None]:
        """The depths to run: those asked for, or one ``None`` (each seed draws its own depth)."""
        return list(self.depths) if self.depths else [None]

    def tasks_for(self, env_id: str) -> list[str | None]:
        chosen = self.tasks.get(env_id) or self.tasks.get("*")
        return list(chosen) if chosen else [None]


class EpisodeJob(_Strict):
    """One scheduled episode: everything a worker (a process, a thread or a Ray task) needs to play it."""

    key: str
    agent: str  # the leaderboard name (label or spec)
    agent_spec: str
    agent_settings: dict[str, Any] = Field(default_factory=dict)
    provider: str
    env: str
    env_args: dict[str, Any] = Field(default_factory=dict)
    env_budget: dict[str, Any] = Field(default_factory=dict)
    sandbox: str = "auto"
    seed: int
    length: int
    trial: int = 0  # which attempt at the same task (0 for a single-trial run)
    task: str | None = None
    depth: float | None = None  # asked for (a tournament's depths); None: drawn from the seed
    scenario: ScenarioConfig
    trajectory_path: str  # relative to the run folder
    imports: list[str] = Field(default_factory=list)
    # The secret seed salt travels with the job to the worker (also to Ray workers) and is never written to disk.
    seed_salt: str | None = Field(default=None, repr=False)
    salt_nonce: str | None = None  # public: the run folder's nonce for stretching the salt (core.salt)
    spend_cap_usd: float | None = None  # the run's cap, booked request by request in the run folder's ledger

    @property
    def options(self) -> dict[str, Any]:
        """The ``reset`` options of the episode."""
        options: dict[str, Any] = {"length": self.length}
        if self.task is not None:
            options["task"] = self.task
        if self.depth is not None:
            options["depth"] = self.depth
        return options


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TournamentConfig:
    """Read a TOML tournament file; ``overrides`` (from command-line flags) win over the file's values.

    Raises:
        ConfigError: the file is missing, is not TOML, or a field is wrong (the message names the field).
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"No tournament config at {path}.", fix="Pass an existing TOML file to --config.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.", fix="Fix the syntax at the position named.") from None
    return build_config({**default_fields(), **raw, **(overrides or {})}, source=str(path))


def default_fields() -> dict[str, Any]:
    """What a file or the flags leave out, as ``--help`` says: the baselines, every registered env, the preset's
    lengths and seeds."""
    from locogym.envs import env_ids

    return {"agents": list(BASELINE_AGENTS), "envs": list(env_ids()), "lengths": list(PRESET_LENGTHS),
            "seeds": PRESET_SEEDS}


def build_config(raw: dict[str, Any], source: str = "flags") -> TournamentConfig:
    """Validate a config mapping, turning pydantic's report into a :class:`ConfigError` that names each field."""
    try:
        return TournamentConfig.model_validate(raw)
    except ValidationError as exc:
        problems, fixes = [], []
        for err in exc.errors():
            cause = err.get("ctx", {}).get("error")  # a ConfigError raised by a field validator keeps its own fix
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            if isinstance(cause, LocoError):
                problems.append(f"{where}: {cause.message.rstrip('.')}")
                fixes += [cause.fix] if cause.fix else []
            elif err["type"] == "extra_forbidden":
                problems.append(f"{where}: not a field of this table (misspelt?)")
            else:
                problems.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
        fixes.append("See docs/tournaments.md for every field and an example file.")
        raise ConfigError(f"Tournament config ({source}) is invalid: {'; '.join(problems)}.",
                          fix=" ".join(fixes)) from None


def preset_config(**overrides: Any) -> TournamentConfig:
    """The built-in preset: the four baselines over every registered env at 8k and 16k, three seeds each
    (LoCo-Repo-v0 with both its single-session and multi-session tasks)."""
    from locogym.envs import families

    tasks = {env_id: list(cls.preset_tasks) for env_id, cls in families().items() if cls.preset_tasks}
    raw: dict[str, Any] = {"agents": list(BASELINE_AGENTS), "envs": list(families()), "lengths": list(PRESET_LENGTHS),
                           "seeds": PRESET_SEEDS, "tasks": tasks, "preset": True}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return build_config(raw, source="preset")


def import_plugins(modules: list[str]) -> None:
    """Import modules that register extra environments; call their ``register()`` when they have one."""
    import importlib

    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"Cannot import {name!r} named in imports: {exc}.",
                              fix="Install the module or fix its name; it must be importable on every worker.") from exc
        register = getattr(module, "register", None)
        if callable(register):
            register()


def env_class(env_id: str) -> Any:
    """The class behind a registered id, without constructing it (so no sandbox or data is touched)."""
    from locogym.envs import env_class as registered_class

    return registered_class(env_id)


def scenario_for(env_id: str, env_args: dict[str, Any], seed: int, length: int, task: str | None,
                 cache: dict[str, Any] | None = None, depth: float | None = None) -> ScenarioConfig:
    """The ScenarioConfig an env would build for these reset options (validates the family's arguments).

    The env is constructed with the in-memory ``fake`` sandbox, which starts nothing; families load their data
    lazily, so this stays cheap. ``cache`` keeps one instance per (env, args) across calls.
    """
    cache_key = f"{env_id}|{stable_hash(env_args)}"
    env = cache.get(cache_key) if cache is not None else None
    if env is None:
        cls = env_class(env_id)
        family_args = {k: v for k, v in env_args.items() if k != "sandbox"}
        try:
            env = cls(sandbox="fake", **family_args)
        except TypeError as exc:
            raise ConfigError(f"{env_id} rejected env_args {sorted(family_args)}: {exc}.",
                              fix=f"Check docs/envs/{env_id}.md for its arguments.") from exc
        if cache is not None:
            cache[cache_key] = env
    options: dict[str, Any] = {"length": length}
    if task is not None:
        options["task"] = task
    if depth is not None:
        options["depth"] = depth
    return env.make_config(seed, options)


def episode_key(env_id: str, scenario: ScenarioConfig, agent: AgentEntry, budget: dict[str, Any],
                trial: int = 0) -> str:
    """hash(env id, scenario config, agent name, model settings, env budget[, trial]): the identity of an episode.

    Trial 0 hashes exactly as a run without trials did, so a run planned before ``trials`` existed resumes.
    """
    identity: dict[str, Any] = {"env": env_id, "scenario": scenario.model_dump(mode="json"), "agent": agent.spec,
                                "settings": agent.model_settings(), "budget": budget}
    if trial:
        identity["trial"] = trial
    return stable_hash(identity, 24)


def trial_agent(agent: AgentEntry, trial: int) -> AgentEntry:
    """The contestant as it plays trial ``trial``: agents that take a ``seed`` get a different one per trial.

    Trial 0 keeps the configured settings. Later trials add the trial number to the configured seed (0 when none
    is set), so a sampling agent makes independent attempts and the seed it used is recorded in its settings.
    Agents without a seed (the deterministic baselines) simply repeat.
    """
    if trial == 0 or not _takes_seed(agent.spec):
        return agent
    base = agent.settings.get("seed")
    seed = (int(base) if isinstance(base, int) else 0) + trial
    return agent.model_copy(update={"settings": {**agent.settings, "seed": seed}})


def _takes_seed(spec: str) -> bool:
    from locogym.agents import agent_arguments

    return "seed" in agent_arguments(spec)  # through **kwargs: model agents name it in their base class


def plan(config: TournamentConfig) -> list[EpisodeJob]:
    """Expand a config into its episodes, ordered so that early results cover every agent and env.

    Raises:
        ConfigError: an env, task, agent or env argument is wrong, or two contestants share a name.
    """
    import_plugins(config.imports)
    _check_agents(config.agents)
    if config.max_total_cost_usd is not None:
        _check_priced(config.agents)
    unknown_args = sorted(set(config.env_args) - set(config.envs))
    if unknown_args:
        raise ConfigError(f"env_args given for env(s) not in the tournament: {unknown_args}.",
                          fix="Add them to envs or remove their env_args tables.")
    cache: dict[str, Any] = {}
    jobs: list[EpisodeJob] = []
    budget = config.budget.env_kwargs()
    try:
        for seed in config.seeds:
            for length in config.lengths:
                for env_id in config.envs:
                    env_args = dict(config.env_args.get(env_id, {}))
                    for task, depth in itertools.product(config.tasks_for(env_id), config.depths_or_drawn()):
                        scenario = scenario_for(env_id, env_args, seed, length, task, cache, depth)
                        for trial in range(config.trials):
                            for entry in config.agents:
                                agent = trial_agent(entry, trial)
                                key = episode_key(env_id, scenario, agent, budget, trial)
                                jobs.append(EpisodeJob(
                                    key=key, agent=agent.name, agent_spec=agent.spec, agent_settings=agent.settings,
                                    provider=agent.provider, env=env_id, env_args=env_args, env_budget=budget,
                                    sandbox=str(env_args.get("sandbox", config.sandbox)), seed=seed, length=length,
                                    trial=trial, task=task, depth=depth, scenario=scenario,
                                    imports=list(config.imports),
                                    spend_cap_usd=None if agent.provider == BASELINE_PROVIDER
                                    else config.max_total_cost_usd,
                                    trajectory_path=f"trajectories/{_safe(env_id)}/{_safe(agent.name)}/{key}.jsonl"))
    finally:
        for env in cache.values():
            env.close()
    duplicates = [k for k, n in Counter(j.key for j in jobs).items() if n > 1]
    if duplicates:
        raise ConfigError(f"{len(duplicates)} episodes are listed twice (the same agent, env, task, length and seed).",
                          fix="Remove repeated lengths, seeds, tasks or agents from the config.")
    return jobs


def _check_agents(agents: list[AgentEntry]) -> None:
    from locogym.agents import BASELINES, PROVIDERS, check_agent_arguments

    if not agents:
        raise ConfigError("The tournament has no agents.", fix="List at least one under agents.")
    names = Counter(a.name for a in agents)
    clashes = [n for n, c in names.items() if c > 1]
    if clashes:
        raise ConfigError(f"Several agents are called {clashes}.", fix="Give each entry a distinct label.")
    for agent in agents:
        if agent.spec not in BASELINES:
            provider, sep, model = agent.spec.partition("/")
            if not sep or not model or provider not in PROVIDERS:
                raise ConfigError(f"Unknown agent {agent.spec!r}.",
                                  fix=f"Use a baseline ({', '.join(BASELINES)}) or PROVIDER/MODEL with PROVIDER one of "
                                      f"{', '.join(PROVIDERS)}.")
        check_agent_arguments(agent.spec, agent.settings)


def _check_priced(agents: list[AgentEntry]) -> None:
    """Under a spending cap every model agent needs a price: an unpriced one would spend without being counted."""
    from locogym.agents.pricing import PriceTable

    unpriced = [a.spec for a in agents if a.provider != BASELINE_PROVIDER
                and PriceTable.load(a.settings.get("prices")).lookup(a.spec) is None]
    if unpriced:
        raise ConfigError(f"max_total_cost_usd is set but no price is known for {', '.join(unpriced)}, so what they "
                          "spend could not be counted against it.",
                          fix="Give each a price (the agent's prices= setting or a file named by LOCOGYM_PRICES), "
                              "or run without max_total_cost_usd.")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
