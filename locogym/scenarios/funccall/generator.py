"""The synthetic task generator of LoCo-FuncCall-v0: a core drawn once, a context grown to the length.

**The core** comes from the core seed (every option but ``length``, ``depth`` and ``response_size``): the world's
seed, the template, the infeasible flag, and the template's draws (the request, its constraints, its gold, the
item the answer rests on). It is drawn on the world without fill at the most compact response size, and only a
draw whose whole oracle episode fits the first rung of the ladder (4k tokens) is taken, so every rung can hold it.

**The context** grows with ``length`` from the fill seed: near-miss catalog entries in the list the answer is read
from (:mod:`~locogym.scenarios.funccall.fill`; more of them the longer the target, placed so that the answer's
item sits at the asked ``depth`` of that list), then the response size that brings the oracle's episode closest
to the target. Every play on a filled world replays the template from the core's own random state against that
world: it solves the request again and rebuilds the oracle plan, and a fill that changes the gold, the request or
the plan's booking ids is dropped for the next one from the fill stream.
"""

from __future__ import annotations

import math
import random
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from locogym.core import tokens
from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.ladder import core_hash, place, too_short
from locogym.core.types import Evidence, ScenarioConfig, Task, ToolCall, dumps
from locogym.scenarios.funccall.apis import LOOKUPS, STATE_CHANGING, call_api
from locogym.scenarios.funccall.catalog import Catalog
from locogym.scenarios.funccall.fill import filled, lead_possible
from locogym.scenarios.funccall.gold import FuncCallGold
from locogym.scenarios.funccall.normalize import normalize_args
from locogym.scenarios.funccall.planner import PlanError, Planner, Retry
from locogym.scenarios.funccall.templates import TEMPLATES, Spec
from locogym.scenarios.funccall.world import World

MAX_SIZE = 200
FIRST_RUNG = 4096  # the length every core fits (the ladder's first rung)
FILL_PER_DOUBLING = 6  # near-miss entries added per doubling of the length beyond the first rung
MAX_FILL = 48
WINDOW = (0.56, 1.1)  # a fitted episode's length over its target, when some response size allows it
UNDERSHOOT = 0.85  # a fitted episode shorter than this share of its target gets more fill entries
SIZE_STEPS = 6  # response sizes tried after the most compact one
CORE_ATTEMPTS = 400
FILL_ATTEMPTS = 6
# The share of infeasible requests: the same for every template, difficulty and length, so that nothing in a
# prompt predicts "unavailable", and small, so that always claiming it (the ``abstain`` baseline) stays far below
# an agent that does the work.
INFEASIBLE_SHARE = 0.03
# difficulty -> strictness of the constraints (the chance to redraw when they would not change the answer)
DIFFICULTY = {"easy": 0.5, "medium": 0.8, "hard": 0.95}
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
    """Rebuild a task's world: same catalog and fill, same size, the same bookings made before the episode."""
    catalog = filled(catalog_for(int(meta_world["seed"])), meta_world.get("fill"))
    world = World(catalog, size=int(meta_world["size"]))
    for booking in initial_bookings:
        call_api(world, booking["api"], dict(booking["args"]))
        world.bookings[-1].preexisting = True
    world.calls = 0
    return world


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


SpecMaker = Callable[[int], dict[str, Any] | None]  # entries wanted -> the fill spec (None: no fill)


class FillMoved(Exception):
    """A play on a filled world did not give the core's task back (the fill moved the gold or broke the plan)."""


@dataclass
class Play:
    """One play of a core on a world: the template's spec, the planner that ran the oracle plan, and the gold."""

    spec: Spec
    planner: Planner
    gold: FuncCallGold
    size: int
    fill: dict[str, Any] | None

    @property
    def tokens(self) -> int:
        return tokens.count(self.spec.prompt) + self.planner.obs_tokens


@dataclass
class Core:
    """What a seed fixes at every length: the template and the random state its successful draw started from,
    the world's seed, and that draw's play on the world without fill at the most compact size."""

    name: str
    infeasible: bool
    state: Any  # random.Random state at the start of the template's successful draw
    world_seed: int
    base: Play


_CORES: OrderedDict[str, Core] = OrderedDict()


def core_config(config: ScenarioConfig) -> ScenarioConfig:
    """The config the core is drawn from: ``response_size`` only shapes the context, so it is left out too."""
    params = {k: v for k, v in config.params.items() if k != "response_size"}
    return config.model_copy(update={"params": params})


def gold_of(name: str, spec: Spec, planner: Planner) -> FuncCallGold:
    """The gold of a played template: its requirements and facts, and the answer the oracle submits (the ids of
    the bookings its plan made)."""
    made = [b for b in planner.world.bookings if not b.preexisting and b.status == "confirmed"]
    answer = {f["key"]: made[f["req"]].booking_id if f["type"] == "booking" else f["value"] for f in spec.facts}
    return FuncCallGold.model_validate({
        "template": name, "infeasible": spec.infeasible, "requirements": spec.requirements, "cancels": spec.cancels,
        "facts": spec.facts, "answer_keys": spec.answer_keys, "answer": answer, "proof": spec.proof})


# ---------------------------------------------------------------------- the core
def draw_core(config: ScenarioConfig) -> Core:
    """The core of ``config`` (cached per process: every rung of a ladder shares it)."""
    source = core_config(config)
    key = dumps(source.identity(without=("length", "depth"))).decode()
    core = _CORES.get(key)
    if core is None:
        core = _CORES[key] = _draw_core(source, config.seed)
        while len(_CORES) > 32:
            _CORES.popitem(last=False)
    _CORES.move_to_end(key)
    return core


def first_draws(config: ScenarioConfig) -> tuple[random.Random, str, bool]:
    """The core's first draws, before the template's own: its random stream, the template, and whether the request
    is infeasible. The flag is one coin of ``INFEASIBLE_SHARE`` tossed before anything the prompt shows is drawn,
    whatever the template, difficulty or length, so no feature of the prompt predicts it."""
    rng = random.Random(config.core_seed())
    drawn = rng.choice(sorted(TEMPLATES))  # drawn even when given, so the draws after it never shift
    name = config.task or drawn
    infeasible = rng.random() < INFEASIBLE_SHARE and TEMPLATES[name][1]
    return rng, name, infeasible


def _draw_core(config: ScenarioConfig, shown_seed: int) -> Core:
    world_seed = config.core_seed() % 1_000_003
    rng, name, infeasible = first_draws(config)
    func = TEMPLATES[name][0]
    strictness = DIFFICULTY[config.difficulty]
    why: Counter[str] = Counter()
    # the fallback draws: when the difficulty's strictness finds nothing binding, any draw that plays will do
    for attempt in range(2 * CORE_ATTEMPTS):
        state = rng.getstate()
        planner = Planner(World(catalog_for(world_seed), size=1),
                          strictness=strictness if attempt < CORE_ATTEMPTS else 0.0)
        try:
            spec = func(rng, planner, infeasible)
        except Retry as retry:
            why[str(retry) or "no usable draw"] += 1
            continue
        play = Play(spec, planner, gold_of(name, spec, planner), 1, None)
        if play.tokens > FIRST_RUNG:
            why[f"the oracle episode does not fit {FIRST_RUNG:,} tokens"] += 1
            continue
        return Core(name, infeasible, state, world_seed, play)
    reasons = "; ".join(f"{reason} ({n}x)" for reason, n in why.most_common(3))
    raise TaskRefused(f"seed {shown_seed}: no usable {name} task ({'infeasible' if infeasible else 'feasible'}, "
                      f"difficulty {config.difficulty}) in {2 * CORE_ATTEMPTS} draws: {reasons}.",
                      fix="Use another seed (or another task= or difficulty=).")


# ---------------------------------------------------------------------- the context
def fill_count(length: int) -> int:
    """How many near-miss entries the context of ``length`` tokens starts from: none at the first rung, then
    ``FILL_PER_DOUBLING`` more per doubling of the length (the fit may add more where response sizes jump)."""
    if length <= FIRST_RUNG:
        return 0
    return min(MAX_FILL, round(FILL_PER_DOUBLING * math.log2(length / FIRST_RUNG)))


def fill_spec(core: Core, count: int, seed: int, depth: float) -> dict[str, Any] | None:
    """The fill of ``count`` entries that places the answer's item at ``depth`` of its list: as many near misses
    ahead of it as that needs (none when the request leaves nothing a near miss could break), the rest after."""
    if count <= 0:
        return None
    where = core.base.spec.anchor
    kind, params = where["fill"]["kind"], where["fill"]["params"]
    ahead, behind = int(where["rank"]), int(where["total"]) - int(where["rank"]) - 1
    lead = 0
    if lead_possible(kind, params):
        lead = min(count, max(0, place(depth, ahead + behind + count + 1) - ahead))
    return {"kind": kind, "seed": seed, "lead": lead, "trail": count - lead, "params": params}


def play(core: Core, fill: dict[str, Any] | None, size: int) -> Play:
    """Replay the core's template on the world with ``fill`` at ``size``: the same random state, no redraws.

    Raises:
        FillMoved: the replay gave another request, gold or plan than the core's (the fill must be dropped).
    """
    if fill is None and size == 1:
        return core.base
    base = catalog_for(core.world_seed)
    planner = Planner(World(filled(base, fill), size=size), strictness=0.0, draws=World(base, size=1))
    rng = random.Random()
    rng.setstate(core.state)
    func, _ = TEMPLATES[core.name]
    try:
        spec = func(rng, planner, core.infeasible)
    except (Retry, PlanError, AssertionError) as exc:
        raise FillMoved(f"the template no longer plays ({type(exc).__name__}: {exc})") from None
    gold = gold_of(core.name, spec, planner)
    for what, mine, theirs in (("gold", gold, core.base.gold), ("request", spec.prompt, core.base.spec.prompt),
                               ("bookings made before the episode", spec.initial_bookings,
                                core.base.spec.initial_bookings),
                               ("answer's item", spec.anchor.get("item"), core.base.spec.anchor.get("item"))):
        if mine != theirs:
            raise FillMoved(f"the {what} changed")
    return Play(spec, planner, gold, size, fill)


def _drawn(core: Core, seed: int, depth: float) -> SpecMaker:
    return lambda count: fill_spec(core, count, seed, depth)


def build_context(core: Core, config: ScenarioConfig,
                  makers: Iterable[SpecMaker] | None = None) -> tuple[Play, list[str]]:
    """The play for ``config``'s length: fills drawn from the fill stream until one keeps the core, then the
    response size fitted to the length. ``makers`` (for tests) replaces the stream: each gives the fill of a
    number of entries. Returns the play and why earlier fills were dropped.

    Raises:
        ConfigError: the length cannot hold the core. When every fill drawn moves the gold, the context falls
            back to no fill (see :func:`_fallback`) and ``dropped`` ends with ``"fallback: no fill"``.
    """
    requested = parse_response_size(config.params.get("response_size", "auto"))
    if core.base.tokens > config.length:
        raise too_short(config.length, core.base.tokens, f"the {core.name} request with its oracle's responses at "
                        "the most compact size", fix=f"Use a length of at least {FIRST_RUNG:,} tokens (every core "
                        "fits the ladder's first rung), or another seed.")
    if makers is None:
        stream, depth = random.Random(config.fill_seed()), core_config(config).evidence_depth()
        makers = (_drawn(core, stream.getrandbits(63), depth) for _ in range(FILL_ATTEMPTS))
    dropped: list[str] = []
    for maker in makers:
        try:
            return _fit(core, config.length, requested, fill_count(config.length), maker), dropped
        except FillMoved as moved:
            dropped.append(str(moved))
    return _fallback(core, config.length, requested), [*dropped, "fallback: no fill"]


def _no_fill(count: int) -> None:
    return None


def _fallback(core: Core, length: int, requested: int | str) -> Play:
    """The context when every fill drawn moved the gold: no fill, only the response size fitted to the length;
    and when even a bigger size moves it, the core's own play (it fits every rung). So a seed never fails for
    want of a context: the task is the same, its context shorter than asked (``length_tokens`` says how long)."""
    try:
        return _fit(core, length, requested, 0, _no_fill)
    except FillMoved:
        return core.base


def _fit(core: Core, length: int, requested: int | str, count: int, maker: SpecMaker) -> Play:
    """Shrink the fill until its most compact play fits the length, then (``response_size="auto"``) search the
    response size whose episode comes closest to the length, and close a gap the sizes jump over with more fill."""
    size = 1 if requested == "auto" else int(requested)
    while True:
        found = play(core, maker(count), size)
        if requested != "auto" or count == 0 or found.tokens <= length:
            break
        count //= 2
    if requested != "auto":
        return found
    plays = _sizes(core, found, length)
    best = _closest(plays, length)
    if best.tokens < length * UNDERSHOOT:
        best = _closest([best, *_more_fill(core, best, length, maker)], length)
    return best


def _sizes(core: Core, first: Play, length: int) -> list[Play]:
    """Plays of ``first``'s fill at the sizes a bracketed secant search tries: each guess scales the last size by
    how far its episode was from the length, kept strictly between the largest size known to fall short and the
    smallest known to overshoot (responses grow in jumps, so an unbracketed guess can step over the answer)."""
    budget = max(1, length - tokens.count(core.base.spec.prompt))
    plays = {first.size: first}
    size, observed = first.size, first.planner.obs_tokens
    for _ in range(SIZE_STEPS):
        under = [s for s, p in plays.items() if p.planner.obs_tokens <= budget]
        over = [s for s, p in plays.items() if p.planner.obs_tokens > budget]
        low, high = max(under, default=0), min(over, default=MAX_SIZE + 1)
        guess = max(low + 1, min(high - 1, round(size * budget / max(1, observed))))
        if high - low <= 1 or guess in plays:
            break
        plays[guess] = play(core, first.fill, guess)
        size, observed = guess, plays[guess].planner.obs_tokens
    return list(plays.values())


def _closest(plays: list[Play], length: int) -> Play:
    """The play closest to the length (by ratio) inside the rung's window: over half the length, so that a rung
    is longer than the one below, and at most a tenth over it, so that it fits a window of that size. When the
    sizes jump over the whole window, the longest play that still fits (the first rung's core always does)."""
    inside = [p for p in plays if length * WINDOW[0] <= p.tokens <= length * WINDOW[1]]
    if inside:
        return min(inside, key=lambda p: abs(math.log(p.tokens / length)))
    fitting = [p for p in plays if p.tokens <= length * WINDOW[1]]
    return max(fitting, key=lambda p: p.tokens) if fitting else min(plays, key=lambda p: p.tokens)


def _more_fill(core: Core, short: Play, length: int, maker: SpecMaker) -> list[Play]:
    """Response sizes jump (the second size adds a whole level of detail), so a target can fall between two sizes;
    then more near-miss entries at the shorter size close the gap. One probe measures what an entry costs at that
    size, one more play takes the count that should reach the length."""
    count = 0 if short.fill is None else short.fill["lead"] + short.fill["trail"]
    more = max(4, 2 * count)
    probe = play(core, maker(more), short.size)
    per_entry = max(1.0, (probe.tokens - short.tokens) / (more - count))
    # entries after the item that fall on pages nobody reads cost nothing: never more than triple the probe's step
    wanted = min(MAX_FILL, count + 3 * (more - count), count + int((length - short.tokens) / per_entry))
    if wanted > count and wanted != more:
        return [probe, play(core, maker(wanted), short.size)]
    return [probe]


# ---------------------------------------------------------------------- the task
def generate(config: ScenarioConfig) -> Task:
    template = config.task
    if template is not None and template not in TEMPLATES:
        raise ConfigError(f"task={template!r} is not a LoCo-FuncCall-v0 template.",
                          fix=f"Use one of: {', '.join(sorted(TEMPLATES))}, or leave it unset for a random one.")
    core = draw_core(config)
    found, dropped = build_context(core, config)
    return _task(config, core, found, dropped)


def realised_depth(spec: Spec, planner: Planner) -> float:
    """Where the answer's item sits in the list it is read from, as the oracle reads it: its position among the
    entries its calls of the deciding search listed (the pages up to the item's), over the last position."""
    where = spec.anchor
    read: list[str] = []
    for step in planner.steps:
        if step.call.name == where["api"]:
            read += [item for item in step.items if item not in read]
    if where["item"] in read:
        return round(read.index(where["item"]) / max(1, len(read) - 1), 4)
    return round(int(where["rank"]) / max(1, int(where["total"]) - 1), 4)


def _task(config: ScenarioConfig, core: Core, found: Play, dropped: list[str]) -> Task:
    from locogym.scenarios.funccall.schemas import API_SPECS

    spec, steps = found.spec, found.planner.steps
    plan = [s.call for s in steps] + [ToolCall(name="submit", arguments={"answer": found.gold.answer})]
    evidence = [Evidence(id=f"resp:{i}", kind="api_response",
                         locator={"api": s.call.name, "digest": s.digest, "step": i})
                for i, s in enumerate(steps) if s.call.name not in STATE_CHANGING and s.call.name not in LOOKUPS]
    oracle_steps = [{"name": s.call.name, "args": normalize_args(s.call.name, s.call.arguments), "digest": s.digest,
                     "subgoal": f"{i}:{s.subgoal}", "optional": s.call.name in LOOKUPS,
                     "state_changing": s.call.name in STATE_CHANGING} for i, s in enumerate(steps)]
    gold = found.gold.model_dump(mode="json")
    where = spec.anchor
    source = core_config(config)
    record = {"template": core.name, "question": spec.prompt, "gold": gold, "depth": source.evidence_depth(),
              "evidence": {"api": where["api"], "item": where["item"]},
              "initial_bookings": spec.initial_bookings}
    obs = found.planner.obs_tokens
    fill = found.fill
    task = Task(
        task_id=f"funccall-{core.name}-{config.seed}", family="funccall", prompt=spec.prompt, question=spec.prompt,
        tool_names=[*API_SPECS, "submit"], gold=gold, core_hash=core_hash(source, record),
        depth=source.evidence_depth(), evidence=evidence, oracle_plan=plan,
        length_tokens=tokens.count(spec.prompt) + obs,
        meta={"template": core.name, "domain": spec.domain,
              "world": {"seed": core.world_seed, "size": found.size, **({"fill": fill} if fill else {})},
              "response_size": config.params.get("response_size", "auto"),
              "initial_bookings": spec.initial_bookings, "oracle_steps": oracle_steps,
              "parallel_groups": spec.parallel, "oracle_obs_tokens": obs, "stop_slack": 2,
              "realised_depth": realised_depth(spec, found.planner),
              "anchor": {k: where[k] for k in ("api", "item", "rank", "total")},
              "fill": {"entries": 0 if fill is None else fill["lead"] + fill["trail"],
                       "ahead": 0 if fill is None else fill["lead"], "dropped": dropped}},
    )
    return task.with_hash()
