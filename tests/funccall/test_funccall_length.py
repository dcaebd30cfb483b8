"""LoCo-FuncCall-v0 length control: every template reaches the target length, whatever its domain.

Attractions and taxis have the fewest results in the world, so their responses grow through near misses (other
pick-up times, other days, similar products); these tests hold every template to the documented tolerance.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from locogym import make_agent, run_episode
from locogym.core.tokens import parse_length
from locogym.core.types import ScenarioConfig
from locogym.scenarios.funccall.generator import generate
from locogym.scenarios.funccall.templates import TEMPLATES
from tests.funccall.funccall_support import make

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 0.15  # the docs promise every template within ±15% of the target at 32k and 128k


def _task(template: str, seed: int, length: str):  # noqa: ANN202 - a Task
    return generate(ScenarioConfig(family="funccall", seed=seed, length=parse_length(length), task=template))


@pytest.mark.slow
@pytest.mark.parametrize("length", ["32k", "128k"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_reaches_the_target_length(template: str, length: str) -> None:
    target = parse_length(length)
    for seed in (0, 1, 2):
        task = _task(template, seed, length)
        reached = task.length_tokens / target
        assert abs(reached - 1) <= TOLERANCE, (template, length, seed, task.length_tokens, task.meta["world"])


@pytest.mark.parametrize("template", ["attraction_slot", "taxi_transfer"])
def test_oracle_still_scores_one_at_128k_on_the_templates_with_near_miss_sections(template: str) -> None:
    env = make()
    for seed in (0, 1):
        traj = run_episode(env, make_agent("oracle"), seed=seed, options={"length": "128k", "task": template})
        assert traj.score is not None and traj.task is not None
        assert traj.score.success == 1.0, (template, seed, traj.score)
        assert traj.score.metrics["fc.wrong_calls"] == 0


def test_attraction_availability_lists_other_days_and_similar_products_but_never_the_gold_again() -> None:
    env = make()
    traj = run_episode(env, make_agent("oracle"), seed=1, options={"length": "128k", "task": "attraction_slot"})
    step = next(s for s in traj.steps if s.call.name == "Get_Attraction_Availability")
    body = orjson.loads(step.result.output)
    slug, day = step.call.arguments["slug"], step.call.arguments["date"]
    assert body["otherDates"] and all(d["date"] != day for d in body["otherDates"])
    assert body["similarExperiences"] and all(p["slug"] != slug for p in body["similarExperiences"])
    # the result set is the requested day's slots only: the near misses do not change what grading compares
    assert set(step.result.data["items"]) <= {s["slot_id"] for s in body["data"]}


def test_taxi_search_offers_other_pickup_times_but_not_the_requested_one() -> None:
    env = make()
    traj = run_episode(env, make_agent("oracle"), seed=0, options={"length": "128k", "task": "taxi_transfer"})
    step = next(s for s in traj.steps if s.call.name == "Search_Taxi")
    body = orjson.loads(step.result.output)["data"]
    asked = f"{step.call.arguments['pick_up_date']}T{step.call.arguments['pick_up_time']}"
    times = {a["pickupDateTime"][:16] for a in body["alternativePickupTimes"]}
    assert len(times) >= 20 and asked not in times
    assert {a["resultId"] for a in body["alternativePickupTimes"]}.isdisjoint(step.result.data["items"])


@pytest.mark.slow
def test_long_tasks_are_the_same_in_another_process() -> None:
    local = {name: _task(name, 4, "128k").content_hash for name in ("attraction_slot", "taxi_transfer")}
    probe = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from locogym.core.types import ScenarioConfig\n"
        "from locogym.scenarios.funccall.generator import generate\n"
        "print(json.dumps({n: generate(ScenarioConfig(family='funccall', seed=4, length=131072, task=n)).content_hash"
        " for n in ('attraction_slot', 'taxi_transfer')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "4242", "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == local
