"""Real-money runs: the spending cap holds request by request and across invocations, context overflow is a
scored point on the curve, and the command line says when the cap stopped a run."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner

from locogym.agents.context import request_tokens
from locogym.cli import app
from locogym.harness.report import load_run, render_markdown, summarise
from locogym.harness.schedule import build_config
from locogym.harness.spend import SPEND_FILE
from locogym.harness.tournament import run_tournament
from locogym.testing import HttpError, RecordedRequest, ScriptedServer, ScriptItem, Usage
from tests.agents.agents_support import solver
from tests.fixture_family import FIXTURE_ID, register

register()
MODEL = "openai-compatible/metered"
# Dollars per million tokens: a request of ~1,000 prompt tokens costs about $1, so a $5 cap is a few episodes.
PRICES = {MODEL: {"input": 1000.0, "output": 0.0}}


class MeteredModel:
    """Solves the fixture and reports, as a real provider does, the prompt tokens the request really had."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.costs: list[float] = []

    def __call__(self, request: RecordedRequest) -> ScriptItem:
        prompt = request_tokens(request.body, "messages")
        with self.lock:
            self.costs.append(prompt * PRICES[MODEL]["input"] / 1e6)
        reply = solver(request)
        assert not callable(reply)
        return type(reply)(text=reply.text, calls=reply.calls, usage=Usage(input=prompt, output=3))


def quiet() -> Console:
    return Console(file=open(os.devnull, "w"), width=100)  # noqa: SIM115 - closed with the process


def capped_config(tmp_path: Path, url: str, cap: float, seeds: int = 6) -> Any:
    agent = {"spec": MODEL, "base_url": url, "cache": False, "prices": PRICES}
    return build_config({"agents": [agent], "envs": [FIXTURE_ID], "lengths": ["1k"], "seeds": seeds,
                         "imports": ["tests.fixture_family"], "sandbox": "fake", "out": str(tmp_path / "run"),
                         "concurrency": {"openai-compatible": 3}, "max_total_cost_usd": cap})


@pytest.mark.slow
def test_a_five_dollar_cap_holds_across_reruns_and_resumes_when_raised(tmp_path: Path) -> None:
    model = MeteredModel()
    with ScriptedServer(fallback=model) as server:
        first = run_tournament(capped_config(tmp_path, server.openai_base_url, 5.0), console=quiet(), live=False)
        assert first.stopped_by_budget and not first.complete
        assert sum(model.costs) <= 5.0 + max(model.costs)
        sent = len(server.requests)

        again = run_tournament(capped_config(tmp_path, server.openai_base_url, 5.0), console=quiet(), live=False)
        # the second invocation starts from what the first spent: only requests that still fit are sent
        assert again.stopped_by_budget and sum(model.costs) <= 5.0 + max(model.costs)
        assert len(server.requests) - sent <= 3

        raised = run_tournament(capped_config(tmp_path, server.openai_base_url, 100.0), console=quiet(), live=False)
    assert raised.complete and not raised.stopped_by_budget  # the episodes the cap stopped were played
    ledger = orjson.loads((tmp_path / "run" / SPEND_FILE).read_bytes())
    assert ledger["bookings"] == {}
    assert abs(ledger["spent_usd"] - sum(model.costs)) < 1e-6  # the ledger counts exactly what was billed
    assert abs(raised.spent_usd - sum(model.costs)) < 1e-6
    # after three invocations the report's spend is the ledger's, attempts the cap stopped and retried included
    summary = summarise(load_run(tmp_path / "run"))
    assert summary.ledger_usd is not None and abs(summary.ledger_usd - ledger["spent_usd"]) < 1e-6
    assert abs(sum(row.cost_usd for row in summary.rows) - ledger["spent_usd"]) < 1e-6
    assert f"Spent ${ledger['spent_usd']:,.4f} in this run folder" in render_markdown(summary)


@pytest.mark.slow
def test_the_command_line_says_the_cap_stopped_the_run_and_exits_nonzero(tmp_path: Path) -> None:
    model = MeteredModel()
    with ScriptedServer(fallback=model) as server:
        args = ["tournament", "--agents", MODEL, "--envs", FIXTURE_ID, "--lengths", "1k", "--seeds", "4",
                "--sandbox", "fake", "--import", "tests.fixture_family", "--out", str(tmp_path / "run"),
                "--base-url", server.openai_base_url, "--agent-arg", "cache=false",
                "--agent-arg", f"prices={orjson.dumps(PRICES).decode()}", "--max-cost", "2", "--no-report"]
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 3, result.output
    assert "stopped by the spending cap" in result.output and "Raise --max-cost" in result.output
    assert sum(model.costs) <= 2.0 + max(model.costs)


def test_an_unpriced_model_is_refused_under_a_cap(tmp_path: Path) -> None:
    args = ["tournament", "--agents", "openai-compatible/unpriced", "--envs", FIXTURE_ID, "--lengths", "1k",
            "--seeds", "1", "--sandbox", "fake", "--import", "tests.fixture_family", "--out", str(tmp_path / "run"),
            "--base-url", "http://127.0.0.1:9/v1", "--max-cost", "5", "--dry-run"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code != 0
    assert "no price is known for openai-compatible/unpriced" in str(result.exception)


@pytest.mark.slow
def test_a_context_overflow_at_128k_is_a_scored_point_on_the_curve(tmp_path: Path) -> None:
    """A model with a 16k window: the 8k episode fits, the 128k one overflows when it reads the notes. The
    overflow is the model's result at 128k (0, outcome context_overflow), not an errored episode."""
    window = 16_000

    def small_window(request: RecordedRequest) -> ScriptItem:
        prompt = request_tokens(request.body, "messages")
        if prompt > window:
            return HttpError(400, f"This model's maximum context length is {window} tokens. However, your messages "
                                  f"resulted in {prompt} tokens. Please reduce the length of the messages.")
        return solver(request)

    with ScriptedServer(fallback=small_window) as server:
        agent = {"spec": "openai-compatible/small", "base_url": server.openai_base_url, "cache": False}
        cfg = build_config({"agents": [agent], "envs": [FIXTURE_ID], "lengths": ["8k", "128k"], "seeds": 1,
                            "imports": ["tests.fixture_family"], "sandbox": "fake", "out": str(tmp_path / "run")})
        summary = run_tournament(cfg, console=quiet(), live=False)
        sent = len(server.requests)
        rerun = run_tournament(cfg, retry_errored=True, console=quiet(), live=False)
        assert len(server.requests) == sent and rerun.skipped == 2  # never retried: it is a result
    by_length = {r.length: r for r in summary.results.values()}
    overflow = by_length[131072]
    assert overflow.status == "done" and overflow.termination == "context_overflow"
    assert overflow.score is not None and overflow.score.success == 0.0
    assert overflow.score.outcome == "context_overflow"
    assert by_length[8192].score is not None and by_length[8192].score.success == 1.0
    report = summarise(load_run(tmp_path / "run"))
    curve = report.curves[FIXTURE_ID]["openai-compatible/small"]
    assert dict(zip(curve.lengths, (point.mean for point in curve.means), strict=True)) == {8192: 1.0, 131072: 0.0}
    assert curve.tasks == 1 and curve.degradation.drop.mean == 1.0
    assert report.rows[0].ecl is not None and report.rows[0].ecl.effective == 8192 and report.errored == []
