"""A server that silently cuts long prompts is flagged: the episode records context_truncated and every report
says which scores may not reflect the whole context."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from locogym.agents import make_agent
from locogym.agents.context import request_tokens
from locogym.harness.report import load_run, render_markdown, summarise
from locogym.harness.schedule import build_config
from locogym.harness.tournament import run_tournament
from locogym.testing import RecordedRequest, ScriptedServer, ScriptItem, Usage
from tests.agents.agents_support import solver
from tests.fixture_family import FIXTURE_ID, register


def _reporting(cut_to: int | None):  # noqa: ANN202 - a ScriptedServer fallback
    """Solve the fixture and report the prompt tokens read: all of them, or at most ``cut_to`` (a cutting server)."""

    def answer(request: RecordedRequest) -> ScriptItem:
        prompt = request_tokens(request.body, "messages")
        reply = solver(request)
        assert not callable(reply)
        read = prompt if cut_to is None else min(prompt, cut_to)
        return type(reply)(text=reply.text, calls=reply.calls, usage=Usage(input=read, output=3))

    return answer


def _run(tmp_path: Path, cut_to: int | None) -> Path:
    register()
    out = tmp_path / ("cut" if cut_to else "whole")
    with ScriptedServer(fallback=_reporting(cut_to)) as server:
        agent = {"spec": "openai-compatible/m", "base_url": server.openai_base_url, "cache": False}
        cfg = build_config({"agents": [agent], "envs": [FIXTURE_ID], "lengths": ["8k"], "seeds": 1,
                            "imports": ["tests.fixture_family"], "sandbox": "fake", "out": str(out)})
        run_tournament(cfg, console=Console(file=open(os.devnull, "w")), live=False)  # noqa: SIM115
    return out


def test_a_server_that_cuts_long_prompts_is_flagged_in_the_run_and_its_reports(tmp_path: Path) -> None:
    cut = load_run(_run(tmp_path, cut_to=512))
    (episode,) = cut.results
    assert episode.status == "done" and episode.context_truncated >= 1  # the request carrying the notes
    report = render_markdown(summarise(cut))
    assert "scored episode(s) had prompts the provider cut" in report
    assert "## Episodes the provider truncated" in report


def test_only_a_shortfall_beyond_tokenizer_differences_counts() -> None:
    agent = make_agent("openai-compatible/m", base_url="http://127.0.0.1:9/v1")
    body = {"model": "m", "messages": [{"role": "user", "content": "word " * 3000}]}
    counted = request_tokens(body, "messages")
    for reported in (counted, int(counted * 0.7), int(counted * 1.3), 0):  # another tokenizer, or not reported
        agent._check_truncation(body, reported, "turn")
    assert agent.events == []
    agent._check_truncation(body, int(counted * 0.4), "turn")
    assert agent.events == [{"kind": "context_truncated", "purpose": "turn", "prompt_tokens": int(counted * 0.4),
                             "counted_tokens": counted}]
    short = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    agent._check_truncation(short, 1, "turn")  # a few tokens: overheads decide, nothing to conclude
    assert len(agent.events) == 1
