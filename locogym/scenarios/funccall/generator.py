"""The synthetic task generator of LoCo-FuncCall-v0: a seeded world, a template, an oracle plan, a gold state.

``generate(config)`` is pure: the world seed, the template, the infeasible flag and every draw come from
``config.rng_seed()``. With ``response_size="auto"`` the plan is first played at size 1, then the size is chosen so
that the oracle's observations reach the target length, and the task is drawn again (same draws) at that size.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import Any

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.types import Evidence, ScenarioConfig, Task, ToolCall
from locogym.scenarios.funccall.apis import LOOKUPS, STATE_CHANGING, call_api
from locogym.scenarios.funccall.catalog import Catalog
from locogym.scenarios.funccall.normalize import normalize_args
from locogym.scenarios.funccall.planner import Planner, Retry
from locogym.scenarios.funccall.templates import TEMPLATES, Spec
from locogym.scenarios.funccall.world import World

MAX_SIZE = 200
# difficulty -> (share of infeasible tasks where a template has them, strictness of the constraints)
DIFFICULTY = {"easy": (0.0, 0.5), "medium": (0.2, 0.8), "hard": (0.3, 0.95)}
_CATALOGS: OrderedDict[int, Catalog] = OrderedDict()


def catalog_for(seed: int) -> Catalog:
    """Catalogs are immutable, so worlds of the same seed share one (a small per-process cache)."""
    catalog = _CATALOGS.get(seed)
    if catalog is None:
        catalog = _CATALOGS[seed] = Catalog(seed)
        while len(_CATALOGS) > 16:
            _CATALOGS.popitem(last=False)
    _CATALOGS.move_to_end(seed)
    return catalog


def make_world(meta_world: dict[str, Any], initial_bookings: list[dict[str, Any]]) -> World:
    """Rebuild a task's world: same catalog, same size, the same bookings made before the episode."""
    world = World(catalog_for(int(meta_world["seed"])), size=int(meta_world["size"]))
    for booking in initial_bookings:
        call_api(world, booking["api"], dict(booking["args"]))
        world.bookings[-1].preexisting = True
    world.calls = 0
    return world


def _draw(seed: int, world_seed: int, size: int, template: str | None,
          difficulty: str) -> tuple[str, Spec, Planner]:
    rng = random.Random(seed)
    drawn = rng.choice(sorted(TEMPLATES))  # drawn even when given, so the draws after it never shift
    name = template or drawn
    func, has_infeasible = TEMPLATES[name]
    share, strictness = DIFFICULTY[difficulty]
    infeasible = has_infeasible and rng.random() < share
    for _attempt in range(60):
        planner = Planner(World(catalog_for(world_seed), size=size), strictness=strictness)
        try:
            return name, func(rng, planner, infeasible), planner
        except Retry:
            continue
    raise RuntimeError(f"template {name} found no usable draw in 60 attempts (seed {seed})")


def parse_response_size(value: Any) -> int | str:
    if value in (None, "auto"):
        return "auto"
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_SIZE:
        raise ConfigError(f"response_size={value!r} is not valid.",
                          fix=f'Use "auto" (fit the target length) or an integer from 1 to {MAX_SIZE}.')
    return size


def _fit(seed: int, world_seed: int, length: int, name: str, spec: Spec, planner: Planner,
         difficulty: str) -> tuple[str, Spec, Planner, int]:
    """Pick the response size whose episode length comes closest to ``length`` (a few secant steps)."""
    budget = max(1, length - tokens.count(spec.prompt))
    best = (abs(planner.obs_tokens - budget), 1, spec, planner)
    size, observed = 1, planner.obs_tokens
    tried = {1}
    for _ in range(5):
        guess = max(1, min(MAX_SIZE, round(size * budget / max(1, observed))))
        if guess in tried:
            break
        tried.add(guess)
        name, spec_g, planner_g = _draw(seed, world_seed, guess, name, difficulty)
        size, observed = guess, planner_g.obs_tokens
        if abs(observed - budget) < best[0]:
            best = (abs(observed - budget), guess, spec_g, planner_g)
    return name, best[2], best[3], best[1]


def generate(config: ScenarioConfig) -> Task:
    template = config.task
    if template is not None and template not in TEMPLATES:
        raise ConfigError(f"task={template!r} is not a LoCo-FuncCall-v0 template.",
                          fix=f"Use one of: {', '.join(sorted(TEMPLATES))}, or leave it unset for a random one.")
    seed = config.rng_seed()
    world_seed = seed % 1_000_003
    requested = parse_response_size(config.params.get("response_size", "auto"))
    size = 1 if requested == "auto" else int(requested)
    name, spec, planner = _draw(seed, world_seed, size, template, config.difficulty)
    if requested == "auto":
        name, spec, planner, size = _fit(seed, world_seed, config.length, name, spec, planner, config.difficulty)
    return _task(config, name, spec, planner, world_seed, size, requested)


def _task(config: ScenarioConfig, name: str, spec: Spec, planner: Planner, world_seed: int, size: int,
          requested: int | str) -> Task:
    from locogym.scenarios.funccall.schemas import API_SPECS

    steps = planner.steps
    made = [b for b in planner.world.bookings if not b.preexisting and b.status == "confirmed"]
    answer: dict[str, Any] = {}
    for fact in spec.facts:
        answer[fact["key"]] = made[fact["req"]].booking_id if fact["type"] == "booking" else fact["value"]
    plan = [s.call for s in steps] + [ToolCall(name="submit", arguments={"answer": answer})]
    evidence = [Evidence(id=f"resp:{i}", kind="api_response",
                         locator={"api": s.call.name, "digest": s.digest, "step": i})
                for i, s in enumerate(steps) if s.call.name not in STATE_CHANGING and s.call.name not in LOOKUPS]
    oracle_steps = [{"name": s.call.name, "args": normalize_args(s.call.name, s.call.arguments), "digest": s.digest,
                     "subgoal": f"{i}:{s.subgoal}", "optional": s.call.name in LOOKUPS,
                     "state_changing": s.call.name in STATE_CHANGING} for i, s in enumerate(steps)]
    obs = planner.obs_tokens
    prompt = spec.prompt
    task = Task(
        task_id=f"funccall-{name}-{config.seed}", family="funccall", prompt=prompt,
        tool_names=[*API_SPECS, "submit"],
        gold={"requirements": spec.requirements, "cancels": spec.cancels, "facts": spec.facts,
              "infeasible": spec.infeasible, "proof": spec.proof,
              "answer_keys": {k: list(v) for k, v in spec.answer_keys.items()}},
        evidence=evidence, oracle_plan=plan, length_tokens=tokens.count(prompt) + obs,
        meta={"template": name, "domain": spec.domain, "world": {"seed": world_seed, "size": size},
              "response_size": requested, "initial_bookings": spec.initial_bookings, "oracle_steps": oracle_steps,
              "parallel_groups": spec.parallel, "oracle_obs_tokens": obs, "stop_slack": 2},
    )
    return task.with_hash()
