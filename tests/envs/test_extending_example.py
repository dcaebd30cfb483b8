"""The family in docs/extending.md runs as written: it passes check_family and a tournament runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "phonebook_family.py"
DOC = ROOT / "docs" / "extending.md"


def test_the_page_shows_the_example_file_exactly() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks and blocks[0] == EXAMPLE.read_text(encoding="utf-8")


def _environ() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE.parent), str(ROOT)]), "COLUMNS": "120"}


@pytest.mark.slow
def test_the_example_passes_check_family() -> None:
    probe = "import phonebook_family; from locogym.testing import check_family; print(check_family('Phonebook-v0'))"
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], capture_output=True, text=True,
                          env=_environ(), timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "failed={}" in done.stdout


@pytest.mark.slow
def test_a_tournament_imports_and_runs_the_example(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = [sys.executable, "-c", "from locogym.cli import main; main()", "tournament", "--import", "phonebook_family",
            "--envs", "Phonebook-v0", "--agents", "oracle,heuristic,noop", "--lengths", "2k", "--seeds", "2",
            "--workers", "1", "--out", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, env=_environ(), timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [orjson.loads(line) for line in (out / "episodes.jsonl").read_bytes().splitlines()]
    success = {(r["agent"], r["seed"]): r["score"]["success"] for r in rows}
    assert success == {("oracle", 0): 1.0, ("oracle", 1): 1.0, ("heuristic", 0): 1.0, ("heuristic", 1): 1.0,
                       ("noop", 0): 0.0, ("noop", 1): 0.0}
    assert (out / "report.html").is_file()
