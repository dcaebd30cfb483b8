"""TS/JS ``return_value``, ``argument`` and ``dispatch``: gold from running the project under node, sandboxed.

The fixture (``tests/data/ts_runs``) is small and written for these tests; its expected values are worked out by
hand from its code (``total(n)`` is ``6n + 10``). Tests that run node skip when node, the ``typescript`` package
or bubblewrap is missing — except under ``CI=true``, where a missing toolchain fails them. They share one
module-scoped project, whose two node runs (about 10 s on a loaded machine) make them ``slow``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from locogym.scenarios.repo import questions, ts_dispatch, ts_node, ts_runs
from locogym.scenarios.repo.index import CodeIndex

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ts_runs"
GOLD_BENCH = Path(__file__).resolve().parents[2] / "bench" / "repo_gold.py"


def _files() -> dict[str, str]:
    return {p.relative_to(FIXTURE).as_posix(): p.read_text(encoding="utf-8") for p in sorted(FIXTURE.rglob("*.ts"))}


@pytest.fixture(scope="module")
def project() -> tuple[CodeIndex, dict[str, str]]:
    missing = ts_node.toolchain().get("missing")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install the TS/JS toolchain: {missing}")
        pytest.skip(missing)
    files = _files()
    return CodeIndex.build(files), files


def _keys(index: CodeIndex, files: dict[str, str], kind: str) -> list[tuple]:
    return questions.question_keys(index, kind, files=files)


@pytest.mark.slow
def test_value_is_what_the_call_returns_across_files(project):
    index, files = project
    keys = [k for k in _keys(index, files, "return_value") if k[1] == "src/index.ts::total"]
    assert keys, "total(count: number) is seeded with numbers and must be asked"
    for key in keys:
        q = questions.build(index, key, "literal", files)
        (n,) = key[2]
        assert q is not None and q.gold == 6 * n + 10
        assert {p for p, _, _ in q.spans} == {"src/index.ts", "src/util/math.ts", "src/util/scale.ts"}
        assert f"total({n})" in q.text and "JSON literal" in q.text


@pytest.mark.slow
def test_unstable_failing_and_unsandboxed_calls_are_not_asked(project):
    index, files = project
    asked = {k[1].rpartition("::")[2]: k for k in _keys(index, files, "return_value")}
    for name in ("tick", "noisy", "spin", "viaDependency"):  # order-dependent, random, endless, uninstalled
        assert name not in asked
    q = questions.build(index, asked["seesHost"], "literal", files)
    assert q is not None and q.gold == "sandbox"  # the host's /etc is not visible to the project's code


@pytest.mark.slow
def test_argument_is_the_value_reaching_an_inner_function(project):
    index, files = project
    keys = [k for k in _keys(index, files, "argument") if k[1] == "src/index.ts::total"]
    targets = {k[2] for k in keys}
    assert "src/util/scale.ts::scale" in targets and "src/util/math.ts::shift" not in targets  # shift is direct
    for key in keys:
        q = questions.build(index, key, "literal", files)
        (n,) = key[3]
        assert q is not None and q.gold == 2 * n + 1


@pytest.mark.slow
def test_questions_rebuilt_on_the_evidence_alone_agree(project):
    index, files = project
    for kind in ("return_value", "argument", "dispatch"):
        key = _keys(index, files, kind)[0]
        q = questions.build(index, key, "literal", files)
        assert q is not None
        part = {p: files[p] for p in q.files}
        again = questions.build(CodeIndex.build(part), key, "literal", part)
        assert again is not None and (again.text, again.gold) == (q.text, q.gold)


@pytest.mark.slow
def test_dispatch_follows_extends_across_files(project):
    index, files = project
    keys = [k for k in _keys(index, files, "dispatch") if k[1].endswith("::Square")]
    assert keys == [("dispatch", "src/square.ts::Square", "area"), ("dispatch", "src/square.ts::Square", "size")]
    q = questions.build(index, keys[0], "literal", files)
    assert q is not None and q.gold == "src/shapes/rect.ts::Rect.area" and "new Square(...)" in q.text
    assert not any(k[1].endswith("::Tile") and k[2] == "size" for k in _keys(index, files, "dispatch"))  # a field
    ask = ("src/square.ts", "Square", "area")
    assert ts_node.owners(files, [ask]) == {ask: "src/shapes/rect.ts:5:5"}  # node's own lookup, by its source


@pytest.mark.slow
def test_dispatch_is_not_asked_when_a_prototype_is_patched_and_node_cannot_check(project):
    index, files = project
    patched = {**files, "src/patch.ts": 'import { Rect } from "./shapes/rect";\nObject.assign(Rect.prototype, {});\n'}
    patched["src/square.ts"] = files["src/square.ts"].replace("export class Square", "class Square")  # not loadable
    keys = _keys(CodeIndex.build(patched), patched, "dispatch")
    assert not any(k[1].endswith("::Square") for k in keys)


def test_without_a_toolchain_nothing_runs_and_the_reason_is_disclosed(monkeypatch):
    monkeypatch.setattr(ts_node, "toolchain", lambda: {"missing": "node is not installed (apt-get install nodejs)"})
    files = _files()
    index = CodeIndex.build(files)
    assert ts_runs.value_keys(index, files) == [] and ts_runs.argument_keys(index, files) == []
    assert ts_runs.availability()["missing"].startswith("node is not installed")
    assert ts_dispatch.dispatch_keys(index, files)  # the static gold stands where nothing can check it


@pytest.mark.slow
def test_the_gold_bench_confirms_argument_gold_apart(project):
    """``bench/repo_gold.py`` makes each call again on a plain transpile, only the target noting its argument."""
    spec = importlib.util.spec_from_file_location("repo_gold_ts_args", GOLD_BENCH)
    assert spec is not None and spec.loader is not None
    gold = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gold
    spec.loader.exec_module(gold)
    index, files = project
    asked = {}
    for key in _keys(index, files, "argument"):
        q = questions.build(index, key, "literal", files)
        assert q is not None
        asked[gold._ts_argument_ask(index, list(key))] = q.gold
    assert asked
    wrong = ("src/index.ts", "total", (3,), ("src/util/math.ts", 999))  # a line no function starts at
    found = gold.ts_call_values(str(ts_node.typescript_dir()), files, {*asked, wrong})
    assert {a: found[a] for a in asked} == asked
    assert found[wrong] == "<the watched function was not entered>"
