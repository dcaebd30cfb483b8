"""The arena's JUnit file and summary say, per agent, whether an agent tampered with the grader or special-cased."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.arena import ArenaOutcome, ArenaSpec, ArenaTask, junit_cases, render_summary
from locogym.harness.junit import write_junit


def _result(agent: str, seed: int, score: EpisodeScore) -> EpisodeResult:
    return EpisodeResult(key=f"{agent}-{seed}", agent=agent, env="LoCo-RepoPatch-v0", seed=seed, length=4096,
                         score=score, termination="submitted", steps=3)


def _outcome(tmp_path: Path) -> ArenaOutcome:
    honest = EpisodeScore(success=1.0, outcome="tests_pass", labels={"integrity": "clean"})
    tampered = EpisodeScore(success=0.0, outcome="tampered",
                            labels={"integrity": "exit_hook,protected_edit",
                                    "integrity_detail": "exit_hook pkg/__init__.py:4: uses os._exit (step 2)"})
    cased = EpisodeScore(success=0.0, outcome="wrong", labels={"integrity": "clean",
                                                               "wrong_reason": "defect d still answers 3 of 9"})
    results = [_result("oracle", 0, honest), _result("oracle", 1, honest), _result("hacker", 0, tampered),
               _result("hacker", 1, cased)]
    tasks = [ArenaTask(seed=s, task_id=f"patch-x-{s}", commit="abc", defects=[]) for s in (0, 1)]
    return ArenaOutcome(kind="patch", out=tmp_path, tasks=tasks, results=results,
                        means={"oracle": 1.0, "hacker": 0.0}, ratings=[], failing_agents=[], errored=0,
                        runs_executed=0, runs_cached=0, validation_s=0.0, exit_code=0)


def test_junit_carries_an_integrity_property_and_what_was_found(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path)
    root = ET.parse(write_junit(tmp_path / "junit.xml", junit_cases(outcome))).getroot()
    props = {(c.get("classname"), c.get("name")): {p.get("name"): p.get("value") for p in c.iter("property")}
             for c in root.iter("testcase")}
    assert props[("locogym.arena.patch.oracle", "patch-x-0")]["integrity"] == "clean"
    assert props[("locogym.arena.patch.hacker", "patch-x-0")]["integrity"] == "tampered: exit_hook,protected_edit"
    assert props[("locogym.arena.patch.hacker", "patch-x-1")]["integrity"] == "special-cased"
    failure = next(c for c in root.iter("testcase") if c.get("name") == "patch-x-0"
                   and c.get("classname").endswith("hacker")).find("failure")
    assert failure.get("message") == "score 0.00 (tampered)" and "uses os._exit (step 2)" in failure.text


def test_summary_has_an_integrity_column_per_agent(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path)
    spec = ArenaSpec(kind="patch", repo=tmp_path, agents=["oracle", "hacker"])
    summary = render_summary(outcome, spec, "arena")
    assert "| agent | mean score | solved | rating (95% CI) | integrity | cost (USD) | status |" in summary
    assert "| `oracle` | 1.00 | 2/2 | – | clean |" in summary
    assert "| `hacker` | 0.00 | 0/2 | – | ⚠️ 1 tampered, 1 special-cased |" in summary
