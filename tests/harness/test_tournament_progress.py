"""The live progress view and the sandbox choice, rendered into a StringIO console."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from rich.console import Console

from locogym.core.errors import SandboxUnavailable
from locogym.core.types import EpisodeResult, EpisodeScore, ModelUsage
from locogym.harness.progress import TournamentProgress, format_duration
from locogym.harness.schedule import build_config, plan
from locogym.harness.tournament import resolve_sandbox
from locogym.sandboxes.local import LocalSandbox
from tests.fixture_family import FIXTURE_ID, register

register()


def render(renderable: object, width: int = 120) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def test_the_live_view_counts_done_running_errored_tokens_cost_and_eta() -> None:
    progress = TournamentProgress(total=10, skipped=2, started=100.0)
    progress.start("openai")
    progress.start("openai")
    progress.start("baseline")
    ok = EpisodeResult(key="a", agent="gpt", env="LoCo-Fixture-v0", seed=1, length=8192,
                       score=EpisodeScore(success=1.0, outcome="correct"),
                       usage=ModelUsage(input=1200, output=34, cost_usd=0.0125))
    bad = EpisodeResult(key="b", agent="gpt", env="LoCo-Fixture-v0", seed=2, length=8192, status="errored",
                        error="provider [down] 503", termination="error")
    progress.finish("openai", ok)
    progress.finish("openai", bad)
    text = render(progress.render(now=130.0))
    assert "4/10" in text and "done 3" in text and "running 1" in text and "errored 1" in text
    assert "1,234 tok" in text and "$0.0125" in text
    assert "elapsed 0:30" in text and "ETA 1:30" in text  # 2 finished in 30 s, 6 to go
    assert "in flight: baseline 1" in text
    assert "gpt · LoCo-Fixture-v0 · 8k · seed 1: 1.00 correct" in text
    assert "errored provider [down] 503" in text  # markup in an error is shown, not interpreted
    assert format_duration(3725) == "1:02:05" and format_duration(None) == "–"


def _failing_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    import locogym.sandboxes.base as base

    def unavailable(name: str) -> object:
        def make(**_: object) -> object:
            raise SandboxUnavailable(f"{name} is not here")
        return make

    monkeypatch.setattr(base, "_load", unavailable)


def test_baselines_fall_back_to_local_loudly_when_no_isolated_sandbox_works(monkeypatch: pytest.MonkeyPatch,
                                                                             tmp_path: Path) -> None:
    _failing_backends(monkeypatch)
    config = build_config({"agents": ["oracle"], "envs": [FIXTURE_ID], "lengths": ["1k"], "seeds": 1,
                           "imports": ["tests.fixture_family"], "out": str(tmp_path)})
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always")
        chosen = resolve_sandbox(config, plan(config), Console(file=out, width=300, color_system=None))
        LocalSandbox().close()  # the sandboxes the run then creates stay quiet: it has been said once
    assert chosen == "local"
    text = out.getvalue()
    assert text.count("warning:") == 1 and "without isolation" in text and "docker is not here" in text
    assert "│" not in text and "╭" not in text  # a sentence, not a panel
    assert [str(w.message) for w in raised] == []


def test_model_agents_never_fall_back_to_local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _failing_backends(monkeypatch)
    config = build_config({"agents": ["oracle", "openai/gpt-4o"], "envs": [FIXTURE_ID], "lengths": ["1k"],
                           "seeds": 1, "imports": ["tests.fixture_family"], "out": str(tmp_path)})
    with pytest.raises(SandboxUnavailable, match="bwrap is not here"):
        resolve_sandbox(config, plan(config), Console(file=io.StringIO()))
