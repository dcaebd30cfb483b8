"""What scoring costs: behaviour metrics per episode against trajectory size, and the cross-episode statistics.

Prints JSON. Scoring runs once at the end of every episode and again for every episode of a re-scored run, so it
should stay far below an episode's own cost even for long trajectories with long observations.
Run: python bench/scoring.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from locogym.core.types import (  # noqa: E402
    EpisodeScore,
    ErrorKind,
    Evidence,
    ScenarioConfig,
    StepEvent,
    Task,
    ToolCall,
    ToolResult,
    Trajectory,
)
from locogym.scoring import rescore, score_episode  # noqa: E402
from locogym.scoring.aggregate import Match, bradley_terry, mean_ci  # noqa: E402


def code_page(rng: random.Random, lines: int) -> str:
    """Source-like text dense in identifiers, paths and numbers: the worst case for value extraction."""
    out = []
    for i in range(lines):
        name = f"handle_{rng.choice(['user', 'order', 'flight', 'page'])}_{rng.randrange(10_000)}"
        out.append(f"def {name}(req_{i}, cfg):  # see src/pkg/mod_{rng.randrange(500)}.py line {rng.randrange(9999)}")
        out.append(f"    return Client{rng.randrange(100)}.fetch(\"ID-{rng.randrange(10**6)}\", {rng.random():.4f})")
    return "\n".join(out)


def trajectory(steps: int, lines: int, seed: int = 0, small_numbers: bool = True) -> Trajectory:
    """A long episode with a failed lookup every seventh step.

    With ``small_numbers`` every call also passes a small integer and reads paths the outputs mention, so every
    output may have fed an error and goes through the value extractor (the worst case); without, the failed
    lookups name files no output mentions, so outputs are only scanned for them (the common case).
    """
    rng = random.Random(seed)
    evidence = [Evidence(id=f"span:{i}", kind="span") for i in range(4)]
    task = Task(task_id="bench", family="fixture", prompt="Find the handler.", tool_names=["read", "submit"],
                evidence=evidence, oracle_plan=[ToolCall(name="read", arguments={"path": "a"})] * 4)
    events = []
    for i in range(steps - 1):
        output = code_page(rng, lines)
        error = ErrorKind.not_found if i % 7 == 3 else None
        seen = [evidence[i % 4].id] if i % 5 == 0 else []
        arguments: dict[str, object] = {"path": f"src/pkg/mod_{rng.randrange(500)}.py"}
        if small_numbers:
            arguments["start"] = i
        elif error is not None:
            arguments["path"] = f"docs/missing_{i}.md"
        call = ToolCall(name="read", arguments=arguments)
        events.append(StepEvent(index=i, call=call, result=ToolResult(output=output, error=error,
                                                                         data={"evidence": seen}),
                                obs_tokens=len(output) // 4, evidence_seen=seen,
                                annotations={"subgoal": f"g{i % 3}"}))
    events.append(StepEvent(index=steps - 1, call=ToolCall(name="submit", arguments={"answer": "x"}),
                            result=ToolResult(output="Answer submitted.", data={"submitted": True, "answer": "x"}),
                            obs_tokens=3))
    traj = Trajectory(env_id="LoCo-Fixture-v0", scenario=ScenarioConfig(family="fixture"), task=task, steps=events,
                      termination="submitted")
    traj.score = score_episode(traj, EpisodeScore(success=0.0, outcome="wrong"))
    return traj


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    figures: dict[str, object] = {}
    for steps, lines in [(16, 50), (64, 50), (64, 250), (256, 50)]:
        for case, small in (("worst", True), ("typical", False)):
            traj = trajectory(steps, lines, small_numbers=small)
            obs = sum(s.obs_tokens for s in traj.steps)
            ms = median_ms(lambda t=traj: rescore(t), args.repeats)  # type: ignore[misc]
            name = f"rescore_{case}_{steps}steps_{obs // 1000}k_obs_tokens"
            figures[f"{name}_ms"] = ms
            figures[f"{name}_us_per_1k_tokens"] = round(1000 * ms / (obs / 1000), 1)
    rng = random.Random(1)
    values = [rng.random() for _ in range(1000)]
    figures["mean_ci_1000_values_2000_resamples_ms"] = median_ms(lambda: mean_ci(values), args.repeats)
    players = [f"agent{i}" for i in range(8)]
    matches = [Match(a, b, rng.choice([0.0, 0.5, 1.0])) for _ in range(500)
               for a, b in [tuple(rng.sample(players, 2))]]
    figures["bradley_terry_8_players_500_matches_500_resamples_ms"] = median_ms(
        lambda: bradley_terry(matches), max(1, args.repeats // 2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
