"""The reports' calibration section: Brier score and ECE per agent that stated confidences, worked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.report import load_run, render_markdown, summarise
from locogym.harness.rundir import RunDir

# agent -> [(success, stated confidence or None)]
EPISODES = {
    "sure": [(1.0, 1.0), (0.0, 1.0), (1.0, 1.0), (0.0, 1.0)],  # always certain, right half the time
    "humble": [(1.0, 0.5), (0.0, 0.5), (1.0, 0.5), (0.0, None)],  # says 50% and is right 2 of 3 times
    "silent": [(1.0, None), (0.0, None)],
}


def _run(folder: Path) -> Path:
    with RunDir(folder).writer() as writer:
        for agent, episodes in EPISODES.items():
            for seed, (success, confidence) in enumerate(episodes):
                metrics = {} if confidence is None else {"wiki.confidence": confidence}
                score = EpisodeScore(success=success, outcome="correct" if success else "wrong", metrics=metrics)
                writer.append(EpisodeResult(key=f"{agent}-{seed}", agent=agent, env="LoCo-WikiHop-v0", seed=seed,
                                            length=8192, score=score, termination="submitted", steps=2))
    return folder


def test_calibration_per_agent_and_its_markdown_section(tmp_path: Path) -> None:
    summary = summarise(load_run(_run(tmp_path / "run")))
    assert set(summary.calibration) == {"sure", "humble"}  # no confidence stated: no figure, not a good one
    sure, humble = summary.calibration["sure"], summary.calibration["humble"]
    assert sure.brier == 0.5 and sure.ece == 0.5 and sure.answers == 4
    assert humble.brier == 0.25 and humble.ece == pytest.approx(abs(2 / 3 - 0.5)) and humble.coverage == 0.75
    text = render_markdown(summary)
    assert "## Calibration" in text
    assert "| sure | 4 of 4 | 0.500 | 0.500 |" in text and "| humble | 3 of 4 | 0.167 | 0.250 |" in text
    assert "| silent |" not in text.split("## Calibration")[1]
