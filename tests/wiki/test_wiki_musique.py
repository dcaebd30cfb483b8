"""MuSiQue in the HippoRAG layout: shared titles get one display title each, used alike by haystacks and tools.

fixtures/musique holds ``musique_sample.json`` (a JSON list of MuSiQue records, as HippoRAG redistributes them)
and its sibling ``musique_sample_corpus.json`` (a list of ``{"title", "text"}`` paragraphs with distractors no
question uses). "Publix" names five different paragraphs and "Tennessee" three; some of them are gold.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

import locogym  # noqa: F401 - registers the environments
from locogym.agents import make_agent
from locogym.core.types import ToolCall
from locogym.harness.runner import run_episode
from locogym.scenarios.wiki.loaders import load_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "musique" / "musique_sample.json"
SPEC = f"musique:{FIXTURE}"


def _records() -> list[dict[str, Any]]:
    return [r for r in json.loads(FIXTURE.read_text()) if r["answerable"]]


def _env(**kwargs: Any) -> gym.Env[Any, Any]:
    return gym.make("LoCo-WikiHop-v0", sandbox="fake", corpus=SPEC, **kwargs)


def test_shared_titles_get_numbered_display_titles_and_the_sibling_adds_distractors() -> None:
    corpus = load_corpus(SPEC)
    titles = [a.title for a in corpus.articles]
    assert [t for t in titles if t.startswith("Publix")] == [f"Publix [{n}]" for n in range(1, 6)]
    assert [t for t in titles if t.startswith("Tennessee")] == ["Tennessee [1]", "Tennessee [2]", "Tennessee [3]"]
    assert "Publix" not in titles  # no paragraph silently owns the shared title
    # paragraphs only the sibling corpus file has are in the corpus; exact repeats are not added twice
    assert corpus.get("Winter Haven, Florida") is not None and corpus.get("Ada Lindqvist") is not None
    assert len(corpus) == 17
    assert [q.qid for q in corpus.questions] == [r["id"] for r in _records()]
    assert [q.hops for q in corpus.questions] == [2, 2, 3, 2]
    assert corpus.questions[1].gold == ("Publix [2]", "Publix [3]")  # two paragraphs of one page, in hop order


def test_gold_titles_name_the_gold_paragraph_text() -> None:
    corpus = load_corpus(SPEC)
    for record, item in zip(_records(), corpus.questions, strict=True):
        by_idx = {p["idx"]: p for p in record["paragraphs"]}
        wanted = [by_idx[s["paragraph_support_idx"]]["paragraph_text"] for s in record["question_decomposition"]]
        assert [corpus.get(t).text for t in item.gold] == list(dict.fromkeys(wanted))


def test_open_of_every_gold_display_title_returns_that_paragraph_for_every_question() -> None:
    env = _env(mode="agentic")
    corpus = load_corpus(SPEC)
    asked: set[str] = set()
    for seed in range(40):
        env.reset(seed=seed)
        task = env.unwrapped.task
        asked.add(task.gold["question"])
        for title in task.gold["titles"]:
            obs, _, _, _, info = env.step(ToolCall(name="open", arguments={"title": title}))
            assert info["error"] is None and obs.startswith(f"# {title}\n")
            assert corpus.get(title).text in obs
            assert env.unwrapped.trajectory.steps[-1].evidence_seen == [f"article:{title}"]
            assert title in [e.locator["title"] for e in task.evidence]  # the title the evidence shows
    assert asked == {r["question"] for r in _records()}  # every question was drawn
    env.close()


def test_an_ambiguous_title_lists_its_paragraphs_with_their_first_line() -> None:
    env = _env(mode="agentic")
    env.reset(seed=0)
    obs, _, _, _, info = env.step(ToolCall(name="open", arguments={"title": "publix"}))
    assert info["error"] is None and "'publix' names 5 paragraphs" in obs
    for n, start in enumerate(["Publix is a grocery chain", "Publix was founded by George Jenkins",
                               "As of 2018, Publix employs", "The westernmost Publix", "Publix Super Markets"], 1):
        assert f"- Publix [{n}] — {start}" in obs
    step = env.unwrapped.trajectory.steps[-1]
    assert step.evidence_seen == []  # a list of first lines is not reading the paragraph
    obs, _, _, _, info = env.step(ToolCall(name="open", arguments={"title": "Publix [4]"}))
    assert obs.startswith("# Publix [4]\nThe westernmost Publix")
    env.close()


@pytest.mark.parametrize("mode", ["static", "agentic", "rounds"])
def test_haystacks_and_search_show_the_same_display_titles(mode: str) -> None:
    env = _env(mode=mode)
    for seed in range(8):
        obs, _ = env.reset(seed=seed, options={"length": "2k"})
        task = env.unwrapped.task
        if mode != "agentic":
            for title in task.gold["titles"]:
                assert f"## {title}\n" in obs
        else:
            obs, *_ = env.step(ToolCall(name="search", arguments={"query": task.gold["question"], "k": 17}))
            shown = [line.split(". ", 1)[1].split(" — ")[0] for line in obs.splitlines() if " — " in line]
            assert set(task.gold["titles"]) <= set(shown)
            assert all(load_corpus(SPEC).get(t) is not None for t in shown)
    env.close()


@pytest.mark.parametrize("mode", ["static", "agentic", "rounds"])
def test_oracle_one_and_noop_zero_on_musique(mode: str) -> None:
    env = _env(mode=mode)
    for seed in range(6):
        oracle = run_episode(env, make_agent("oracle"), seed=seed, options={"length": "2k"}).score
        assert oracle.success == 1.0 and oracle.metrics["wiki.citation_precision"] == 1.0
        assert run_episode(env, make_agent("noop"), seed=seed, options={"length": "2k"}).score.success == 0.0
    env.close()


def test_a_json_lines_copy_without_sibling_gives_the_same_questions(tmp_path: Path) -> None:
    lines = tmp_path / "musique_ans_v1.0_dev.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in json.loads(FIXTURE.read_text())) + "\n")
    plain = load_corpus(f"musique:{lines}")
    with_sibling = load_corpus(SPEC)
    assert [q.gold for q in plain.questions] == [q.gold for q in with_sibling.questions]
    assert plain.get("Winter Haven, Florida") is None  # no sibling file: only the records' paragraphs
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(FIXTURE, copy / FIXTURE.name)
    assert len(load_corpus(f"musique:{copy / FIXTURE.name}")) == 15


def test_follow_of_a_link_to_a_shared_title_lists_the_linked_paragraphs() -> None:
    env = _env(mode="agentic")
    env.reset(seed=0)
    memphis = load_corpus(SPEC).get("Memphis, Tennessee")
    assert {"Tennessee [1]", "Tennessee [2]", "Tennessee [3]"} <= set(memphis.links)  # "Tennessee" is mentioned
    obs, _, _, _, info = env.step(ToolCall(name="follow", arguments={"title": "Memphis, Tennessee",
                                                                     "link": "Tennessee"}))
    assert info["error"] is None and "'Tennessee' names 3 paragraphs" in obs
    obs, _, _, _, info = env.step(ToolCall(name="follow", arguments={"title": "Memphis, Tennessee",
                                                                     "link": "tennessee [2]"}))
    assert obs.startswith("# Tennessee [2]\nTennessee's capital is Nashville")
    env.close()


REAL = Path(__file__).parent / "fixtures" / "musique_real" / "musique_train_sample.json"


@pytest.mark.skipif(not REAL.is_file(), reason="the real MuSiQue sample is not in tests/wiki/fixtures/musique_real")
def test_on_real_musique_open_of_every_gold_title_returns_the_record_s_own_paragraph() -> None:
    """Checked against the raw records, not our index: for every question, ``open`` of each gold display title
    shows the text of the paragraph that the question's decomposition cites (real MuSiQue, shared titles)."""
    records = {r["question"]: r for r in json.loads(REAL.read_text(encoding="utf-8"))}
    env = gym.make("LoCo-WikiHop-v0", sandbox="fake", corpus=f"musique:{REAL}", mode="agentic")
    shared_titles_opened = 0
    try:
        asked: set[str] = set()
        for seed in range(400):
            env.reset(seed=seed)
            task = env.unwrapped.task
            record = records[task.gold["question"]]
            if record["question"] in asked:
                continue
            asked.add(record["question"])
            by_idx = {p["idx"]: p for p in record["paragraphs"]}
            cited = [by_idx[s["paragraph_support_idx"]] for s in record["question_decomposition"]]
            shown = []
            for title in task.gold["titles"]:
                obs, _, _, _, info = env.step(ToolCall(name="open", arguments={"title": title}))
                assert info["error"] is None and obs.startswith(f"# {title}\n"), obs[:200]
                shown.append(obs)
                shared_titles_opened += title.endswith("]")
            for paragraph in cited:
                assert any(paragraph["paragraph_text"].strip() in obs for obs in shown), (record["id"], paragraph)
            if len(asked) == len(records):
                break
        assert asked == set(records)  # every question was drawn and checked
        assert shared_titles_opened == 27  # every gold paragraph on a shared title, by its numbered title
    finally:
        env.close()
