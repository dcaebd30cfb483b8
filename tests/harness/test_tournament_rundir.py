"""The run folder's episodes.jsonl: durable appends, torn tails, last-line-wins, one writer at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym.core.errors import ConfigError, DataError
from locogym.core.types import EpisodeResult, EpisodeScore, dumps
from locogym.harness.rundir import RunDir


def result(key: str, status: str = "done", success: float = 1.0) -> EpisodeResult:
    score = EpisodeScore(success=success, outcome="correct" if success else "wrong") if status == "done" else None
    return EpisodeResult(key=key, agent="oracle", env="LoCo-Fixture-v0", seed=0, length=1024, status=status,  # type: ignore[arg-type]
                         score=score, termination="submitted" if status == "done" else "error")


def test_appended_results_are_read_back_and_the_last_line_of_a_key_wins(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    with run.writer() as writer:
        writer.append(result("a", "errored"))
        writer.append(result("b", success=0.0))
        writer.append(result("a", success=1.0))
    assert [r.key for r in run.read_results()] == ["a", "b", "a"]
    latest = run.latest()
    assert latest["a"].status == "done" and latest["a"].score.success == 1.0  # type: ignore[union-attr]
    assert list(latest) == ["a", "b"]


def test_a_torn_last_line_is_not_a_result_and_is_cut_before_the_next_append(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    with run.writer() as writer:
        writer.append(result("a"))
    whole = dumps(result("b")) + b"\n"
    with open(run.episodes_path, "ab") as fh:
        fh.write(whole[: len(whole) // 2])  # a kill mid-write
    assert list(run.latest()) == ["a"]
    with run.writer() as writer:
        writer.append(result("c"))
    assert [r.key for r in run.read_results()] == ["a", "c"]
    assert run.episodes_path.read_bytes().count(b"\n") == 2


def test_damage_in_the_middle_is_a_data_error_naming_the_line(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.episodes_path.write_bytes(dumps(result("a")) + b"\n{not json\n" + dumps(result("b")) + b"\n")
    with pytest.raises(DataError, match="line 2"):
        run.latest()


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    with run.writer():
        with pytest.raises(ConfigError, match="Another tournament is writing"):
            RunDir(tmp_path).writer().open()
    with run.writer() as again:  # released on close
        again.append(result("a"))
    assert len(run.read_results()) == 1


def test_the_plan_file_is_replaced_whole(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "new")
    run.write_plan({"episodes": 3})
    run.write_plan({"episodes": 4})
    assert run.read_plan() == {"episodes": 4}
    assert not list((tmp_path / "new").glob("*.tmp"))
