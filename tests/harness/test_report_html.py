"""The HTML report: self-contained, safe against hostile trajectory text, and rendered by a real browser.

The browser checks need Chromium (headless): required in CI (fails there when missing), skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import gymnasium as gym
import orjson
import pytest
from rich.console import Console

import locogym
from locogym.agents.base import Agent
from locogym.core.types import EpisodeResult, ToolCall
from locogym.harness.report import write_reports
from locogym.harness.rundir import RunDir
from locogym.harness.schedule import build_config
from locogym.harness.tournament import run_tournament
from tests.fixture_family import FIXTURE_ID, register

register()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HOSTILE = "</script><script>document.body.setAttribute('data-pwned','1')</script><!--"


def chromium() -> str:
    """The headless browser, or skip (locally) / fail (in CI) saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if IN_CI:
        pytest.fail("Chromium is required in CI to check the HTML report (apt-get install -y chromium)")
    pytest.skip("Chromium is not installed (apt-get install -y chromium)")


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={profile}", "--virtual-time-budget=3000", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120)


class HostileAgent(Agent):
    """Reads a file whose name would close the page's script tag, then gives up."""

    name = "hostile"

    def reset(self, task_info: dict[str, Any]) -> None:
        self._done = False

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        if self._done:
            return ToolCall(name="submit", arguments={})
        self._done = True
        return ToolCall(name="read_file", arguments={"path": HOSTILE})


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    cfg = build_config({"agents": ["oracle", "random", "noop", "heuristic"], "envs": [FIXTURE_ID],
                        "lengths": ["1k", "2k", "4k"], "seeds": 2, "imports": ["tests.fixture_family"],
                        "sandbox": "fake", "workers": 2, "out": str(out)})
    run_tournament(cfg, console=Console(file=open(os.devnull, "w")), live=False)  # noqa: SIM115
    env = gym.make(FIXTURE_ID)
    trajectory = locogym.run_episode(env, HostileAgent(), seed=0, options={"length": 1024},
                                     trajectory_path=out / "trajectories" / "hostile.jsonl", episode_key="hostile-0")
    with RunDir(out).writer() as writer:
        writer.append(EpisodeResult(key="hostile-0", agent="hostile", env=FIXTURE_ID, seed=0, length=1024,
                                    score=trajectory.score, termination=trajectory.termination,
                                    steps=len(trajectory.steps), trajectory_path="trajectories/hostile.jsonl"))
    write_reports(out, title="report test")
    return out


@pytest.mark.slow
def test_the_page_is_self_contained(run_folder: Path) -> None:
    html = (run_folder / "report.html").read_text()
    assert not re.search(r"""\s(src|href)\s*=\s*["'](?!#)""", html), "the page loads something"
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "http://" not in html and "https://" not in html


def test_hostile_text_cannot_close_the_data_script(run_folder: Path) -> None:
    html = (run_folder / "report.html").read_text()
    start = (html.index('<script type="application/json" id="run-data">')
             + len('<script type="application/json" id="run-data">'))
    body = html[start:html.index("</script>", start)]
    assert "<" not in body
    data = orjson.loads(body)
    hostile = next(e for e in data["episodes"] if e["agent"] == "hostile")
    assert HOSTILE in hostile["trajectory"]["steps"][0]["call"]
    assert len(data["episodes"]) == 4 * 3 * 2 + 1


@pytest.mark.slow
def test_the_page_renders_in_a_headless_browser(run_folder: Path, tmp_path: Path) -> None:
    result = browse(run_folder / "report.html", tmp_path / "profile", "--dump-dom")
    dom = result.stdout
    assert 'data-browser="ready"' in dom, result.stderr[-2000:]  # the script ran to its end
    assert not re.search(r"<body[^>]*data-pwned", dom)  # the hostile text stayed text
    assert dom.count('<svg class="chart"') == 1 + 1 + 1 + 4  # all envs + the env + ECL + behaviours
    assert "No model was called in this run" in dom  # baselines only: no token charts to draw
    assert dom.count('<svg class="ibar"') == 5  # one interval bar per leaderboard row with scored episodes
    assert dom.count('class="ep') == 25  # every episode is listed in the browser
    assert '<div class="step">' in dom and "read_file(" in dom  # a step of the chosen episode is shown
    assert re.search(r"step 1 of \d+", dom)  # the chosen episode's timeline starts at its first step
    assert dom.count('<span class="err') + dom.count('<span class="submit') >= 1  # the step timeline is drawn


@pytest.mark.slow
def test_a_screenshot_of_the_page_is_not_blank(run_folder: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    result = browse(run_folder / "report.html", tmp_path / "profile", f"--screenshot={shot}", "--window-size=1300,2400")
    assert shot.exists(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a blank page compresses to a few kilobytes
