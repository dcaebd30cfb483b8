"""Go ``return_value``, ``argument`` and ``dispatch`` questions on a small module (tests/data/go_shapes).

The value kinds build and run the module with the Go toolchain inside bubblewrap: those tests (``slow``: a build
takes seconds) skip without them, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from locogym.scenarios.repo import go_calls, go_dispatch, go_run_questions, go_runs, questions
from locogym.scenarios.repo.index import CodeIndex

SHAPES = Path(__file__).resolve().parents[1] / "data" / "go_shapes"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _files() -> dict[str, str]:
    return {p.relative_to(SHAPES).as_posix(): p.read_text(encoding="utf-8") for p in sorted(SHAPES.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def shapes() -> tuple[CodeIndex, dict[str, str]]:
    reason = go_runs.unavailable()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"Go run-based questions need go and bubblewrap in CI: {reason}")
        pytest.skip(reason)
    files = _files()
    return CodeIndex.build(files, use_cache=False), files


def _area(width: int, height: int) -> int:
    """What Area computes: offset(n) = 3n - bias(1), with bias(1) = 3 set while the package is initialized."""
    return (3 * width - 3 + 2) * height


@pytest.mark.slow
def test_value_gold_is_the_run_and_the_evidence_is_what_ran(shapes: tuple[CodeIndex, dict[str, str]]) -> None:
    index, files = shapes
    keys = questions.question_keys(index, "return_value", files=files)
    areas = [k for k in keys if k[1] == "area.go::Area"]
    assert ("return_value", "area.go::Area", (3, 4)) in areas  # the call the package writes itself
    for key in areas:
        q = questions.build(index, key, "literal", files)
        assert q is not None and q.gold == _area(*key[2])
        # Area, scale, offset ran; bias ran only while the package was initialized, before the call
        assert {(p, a) for p, a, _ in q.spans} == {("area.go", 4), ("scale.go", 10), ("scale.go", 14)}
        assert go_runs.toolchain() in q.text and f"Area({key[2][0]}, {key[2][1]})" in q.text
        described = questions.build(index, key, "nonliteral", files)  # described by its doc, never named
        assert described is None or ("Area(" not in described.text and described.gold == q.gold)
    assert not [k for k in keys if k[1] == "area.go::Explode"]  # it panics: never asked
    weights = [k for k in keys if k[1] == "weight.go::Weight"]  # a []byte written from a string; a nil error
    assert weights and all(k[2] == ("empty",) for k in weights)
    q = questions.build(index, weights[0], "literal", files)
    assert q is not None and q.gold == 10 and 'Weight([]byte("empty"))' in q.text and "error is nil" in q.text


@pytest.mark.slow
def test_argument_gold_is_the_first_value_the_target_got(shapes: tuple[CodeIndex, dict[str, str]]) -> None:
    index, files = shapes
    keys = [k for k in questions.question_keys(index, "argument", files=files) if k[1] == "area.go::Label"]
    assert keys and all(k[2] in {"scale.go::scale", "scale.go::offset"} for k in keys)
    for key in keys:
        q = questions.build(index, key, "literal", files)
        assert q is not None and q.gold == key[3][0]  # bucket hands its size on unchanged
    assert not [k for k in questions.question_keys(index, "argument", files=files) if k[2] == "scale.go::bias"]


def test_a_toolchain_missing_asks_nothing_and_says_why(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    files = _files()
    index = CodeIndex.build(files, use_cache=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    go_runs.toolchain.cache_clear()
    try:
        assert "no Go toolchain" in (go_runs.unavailable() or "")
        assert go_run_questions.value_keys(index, files) == []
        assert "no Go toolchain" in caplog.text
    finally:
        go_runs.toolchain.cache_clear()


def test_literal_calls_come_from_the_code_and_basic_signatures() -> None:
    files = _files()
    index = CodeIndex.build(files, use_cache=False)
    calls = go_calls.literal_calls(index, files)
    assert (3, 4) in calls["area.go::Area"]
    assert "area.go::Describe" in calls and calls["area.go::Describe"] == [()]
    assert go_runs.harness("shapes", [(0, "Area(3, 4)", False)]).splitlines()[10] == "\t\tlocogymStart(); " \
        "locogymReport(Area(3, 4))"  # the line _failing_cases maps a compiler message back to


def test_dispatch_follows_embedded_fields_breadth_first() -> None:
    files = _files()
    index = CodeIndex.build(files, use_cache=False)
    assert go_dispatch.dispatch_keys(index, files) == [("dispatch", "widget.go::Widget", "Name")]
    q = questions.build(index, ("dispatch", "widget.go::Widget", "Name"), "literal", files)
    assert q is not None and q.gold == "base.go::Middle.Name"
    # a second embedded struct with Name at the same depth makes the selector ambiguous: not asked
    files["extra.go"] = "package shapes\n\ntype Other struct{}\n\nfunc (o *Other) Name() string { return \"o\" }\n"
    files["widget.go"] = files["widget.go"].replace("\tMiddle\n", "\tMiddle\n\tOther\n")
    assert go_dispatch.dispatch_keys(CodeIndex.build(files, use_cache=False), files) == []
