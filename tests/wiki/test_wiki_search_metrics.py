"""Evidence recall, citations, searches and confidence, each checked against the cheapest way to game it."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pytest

import locogym  # noqa: F401 - registers the environments
from locogym.agents import make_agent
from locogym.core.types import ToolCall
from locogym.harness.runner import run_episode
from locogym.scoring.calibration import calibration_of


def _env(**kwargs: Any) -> gym.Env[Any, Any]:
    return gym.make("LoCo-WikiHop-v0", sandbox="fake", **kwargs)


def _submit(env: gym.Env[Any, Any], **arguments: Any) -> dict[str, Any]:
    _, _, terminated, _, info = env.step(ToolCall(name="submit", arguments=arguments))
    assert terminated, info
    return info["score"]


def test_citing_every_title_earns_recall_but_not_precision() -> None:
    env = _env(mode="agentic")
    env.reset(seed=1, options={"length": "32k"})  # a world of 512 articles
    task = env.unwrapped.task
    corpus = env.unwrapped.ctx.world.source.corpus
    everything = [a.title for a in corpus.articles]
    score = _submit(env, answer=task.gold["answer"], citations=everything)
    gold = len(task.gold["titles"])
    assert score["success"] == 1.0  # citations never change the answer's grade
    assert score["metrics"]["wiki.citation_recall"] == 1.0
    assert score["metrics"]["wiki.citation_precision"] == pytest.approx(gold / len(everything))
    assert score["metrics"]["wiki.citation_precision"] < 0.01 and score["metrics"]["wiki.citations"] == len(everything)
    env.close()


def test_odd_but_valid_spellings_of_the_gold_titles_are_exact_citations() -> None:
    env = _env(mode="agentic")
    env.reset(seed=2)
    task = env.unwrapped.task
    spelled = [t.upper() for t in task.gold["titles"]] + [f"  {t.lower()}" for t in task.gold["titles"]]
    score = _submit(env, answer=task.gold["answer"], citations=spelled)
    assert score["metrics"]["wiki.citation_precision"] == 1.0 and score["metrics"]["wiki.citation_recall"] == 1.0
    assert score["metrics"]["wiki.citations"] == len(task.gold["titles"])  # repeats count once
    env.close()


def test_a_single_title_string_is_a_citation_and_unknown_titles_count_against_precision() -> None:
    env = _env(mode="agentic")
    env.reset(seed=3)
    task = env.unwrapped.task
    score = _submit(env, answer="no idea", citations=task.gold["titles"][0])
    assert score["metrics"]["wiki.citation_precision"] == 1.0
    assert score["metrics"]["wiki.citation_recall"] == pytest.approx(1 / len(task.gold["titles"]))
    env.reset(seed=3)
    score = _submit(env, answer="no idea", citations=["Nowhere At All", "Nothing Either", task.gold["titles"][0]])
    assert score["metrics"]["wiki.citation_precision"] == pytest.approx(1 / 3)
    env.close()


def test_no_citations_give_no_precision_and_cost_nothing() -> None:
    env = _env(mode="agentic")
    env.reset(seed=4)
    task = env.unwrapped.task
    score = _submit(env, answer=task.gold["answer"])
    assert score["success"] == 1.0 and "wiki.citation_precision" not in score["metrics"]
    assert score["metrics"]["wiki.citation_recall"] == 0.0 and "wiki.confidence" not in score["metrics"]
    env.close()


def test_guessing_without_looking_has_no_evidence_and_no_searches() -> None:
    env = _env(mode="agentic")
    env.reset(seed=5)
    score = _submit(env, answer="Paris", citations=env.unwrapped.task.gold["titles"], confidence=0.9)
    assert score["metrics"]["wiki.evidence_recall"] == 0.0 and score["metrics"]["wiki.searches"] == 0.0
    assert score["metrics"]["gold_seen_fraction"] == 0.0
    env.close()


def test_evidence_recall_counts_what_reached_the_agent_and_searches_count_calls() -> None:
    env = _env(mode="agentic")
    env.reset(seed=6)
    task = env.unwrapped.task
    first = task.gold["titles"][0]
    env.step(ToolCall(name="search", arguments={"query": "zzzz qqqq", "k": 1}))
    env.step(ToolCall(name="search", arguments={"query": "", "k": 3}))  # invalid: not a search that ran
    env.step(ToolCall(name="open", arguments={"title": first}))
    score = _submit(env, answer="x")
    n = len(task.gold["titles"])
    assert score["metrics"]["wiki.searches"] == 1.0
    assert score["metrics"]["wiki.evidence_recall"] == pytest.approx(1 / n)
    # dumping the widest searches shows more articles: recall of evidence rises, reading does not
    env.reset(seed=6)
    for title in task.gold["titles"]:
        env.step(ToolCall(name="search", arguments={"query": title, "k": 50}))
    score = _submit(env, answer="x")
    assert score["metrics"]["wiki.evidence_recall"] == 1.0 and score["metrics"]["gold_seen_fraction"] == 0.0
    assert score["metrics"]["wiki.searches"] == float(n) and score["success"] == 0.0
    env.close()


def test_static_haystacks_show_all_gold_unless_there_is_no_context() -> None:
    env = _env(mode="static")
    env.reset(seed=0)
    assert _submit(env, answer="x")["metrics"]["wiki.evidence_recall"] == 1.0
    env.reset(seed=0, options={"context": "none"})
    assert _submit(env, answer="x")["metrics"]["wiki.evidence_recall"] == 0.0
    env.close()


@pytest.mark.parametrize("bad", [1.5, -0.1, "80%", True, float("nan"), 80])
def test_a_confidence_outside_zero_to_one_is_refused_and_the_episode_goes_on(bad: Any) -> None:
    env = _env(mode="agentic")
    env.reset(seed=0)
    obs, _, terminated, _, info = env.step(ToolCall(name="submit", arguments={"answer": "x", "confidence": bad}))
    assert not terminated and info["error"] == "invalid_arguments" and "confidence" in obs
    score = _submit(env, answer="x", confidence="0.25")  # a number written as text is still a number
    assert score["metrics"]["wiki.confidence"] == 0.25
    env.close()


def test_a_tool_result_field_cannot_be_passed_as_an_argument() -> None:
    env = _env(mode="agentic")
    env.reset(seed=0)
    task = env.unwrapped.task
    _, _, terminated, _, info = env.step(
        ToolCall(name="submit", arguments={"answer": "x", "cited_gold": task.gold["titles"]}))
    assert not terminated and info["error"] == "invalid_arguments"
    env.close()


def _run_with(answer_right: bool, confidence: float, seeds: range) -> list[Any]:
    env = _env(mode="static")
    scores = []
    for seed in seeds:
        env.reset(seed=seed)
        task = env.unwrapped.task
        answer = task.gold["answer"] if answer_right else "certainly not the answer"
        _, _, _, _, info = env.step(ToolCall(name="submit", arguments={"answer": answer, "confidence": confidence}))
        scores.append(env.unwrapped.trajectory.score)
        assert info["score"]["metrics"]["wiki.brier"] == pytest.approx((confidence - answer_right) ** 2)
    env.close()
    return scores


def test_full_confidence_on_wrong_answers_is_the_worst_calibration() -> None:
    overconfident = calibration_of(_run_with(False, 1.0, range(6)))
    assert overconfident.brier == 1.0 and overconfident.ece == 1.0 and overconfident.coverage == 1.0
    honest = calibration_of(_run_with(False, 0.0, range(6)) + _run_with(True, 1.0, range(6, 12)))
    assert honest.brier == 0.0 and honest.ece == 0.0
    hedging = calibration_of(_run_with(False, 0.5, range(6)))
    assert hedging.brier == 0.25 and hedging.ece == 0.5


def test_episodes_without_confidence_are_not_counted_as_calibrated() -> None:
    env = _env(mode="static")
    traj = run_episode(env, make_agent("noop"), seed=0)
    env.close()
    result = calibration_of([traj.score])
    assert result.answers == 0 and result.episodes == 1 and result.ece is None and result.brier is None


def test_a_confidence_without_an_answer_is_not_a_calibration_point() -> None:
    env = _env(mode="static")
    env.reset(seed=0)
    score = _submit(env, confidence=1.0)
    assert score["outcome"] == "no_answer" and "wiki.confidence" not in score["metrics"]
    env.close()
