"""A salted run publishes a redacted report: no prompt, gold answer or step of any episode, while the full page is
kept beside it for the salt's holder."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from locogym.harness.recorder import read_trajectory
from locogym.harness.report import write_reports
from tests.harness.test_rescore_regrade import FUNC, SALT, WIKI, make_run


def _secrets_of(run: Path) -> list[str]:
    """Every prompt's opening and the gold's answer values, read from the trajectories (names and dates, the
    strings with a space or a digit: single snake_case words are the gold's structure, such as a question's type or
    an outcome's name, which the report shows for every run)."""
    found = []
    for line in (run / "episodes.jsonl").read_bytes().splitlines():
        trajectory = read_trajectory(run / orjson.loads(line)["trajectory_path"])
        assert trajectory.task is not None
        found.append(trajectory.task.prompt[:80])
        found += [value for value in _strings(trajectory.task.gold)
                  if len(value) >= 4 and (" " in value or any(c.isdigit() for c in value))]
    return found


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("salted", [True, False])
def test_only_a_salted_run_hides_prompts_and_gold_answers(tmp_path: Path, salted: bool) -> None:
    run = make_run(tmp_path / "run", ["oracle"], [WIKI, FUNC], salt=SALT if salted else None)
    files = write_reports(run)
    public = files.html.read_text()
    secrets = _secrets_of(run)
    assert secrets
    escaped = [orjson.dumps(s).decode()[1:-1].replace("<", "\\u003c") for s in secrets]  # as the page embeds them
    shown = [s for s in escaped if s in public]
    if salted:
        assert shown == [], shown
        assert "secret seed salt" in public
        assert files.private_html is not None
        private = files.private_html.read_text()
        assert [s for s in escaped if s in private]  # the holder's copy keeps what the public page leaves out
    else:
        assert shown and files.private_html is None and not (run / "report-private.html").exists()
