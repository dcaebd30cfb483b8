"""The gold cross-check (``bench/repo_gold.py``) on excerpted files: it resolves them whole, and disputes an answer
whose definitions the excerpt does not show, since the agent could not find that answer in its workspace."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from locogym.scenarios.repo.excerpts import excerpt
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.parsing import extract

BENCH = Path(__file__).resolve().parents[2] / "bench" / "repo_gold.py"

WHOLE = ("def first():\n    return second()\n\n\n"
         "def unrelated():\n    return 0\n\n\n"
         "def second():\n    return third()\n\n\n"
         "def third():\n    return 3\n")


@pytest.fixture(scope="module")
def gold() -> ModuleType:
    spec = importlib.util.spec_from_file_location("repo_gold_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _chain_sites(index: CodeIndex) -> list[tuple[str, int]]:
    return [(index.definitions[q].path, index.definitions[q].line) for q in ("m.first", "m.second", "m.third")]


def test_an_excerpted_file_is_checked_whole_and_the_chain_must_be_shown(gold: ModuleType) -> None:
    shown = excerpt(WHOLE, extract("m.py", WHOLE, "python"), [(1, 2), (9, 10), (13, 14)])
    assert "unrelated" not in shown
    files, cut = gold._whole_view({"m.py": shown, "other.py": "x = 1\n"}, {"m.py": WHOLE, "other.py": "x = 1\n"})
    assert cut == ["m.py"] and files["m.py"] == WHOLE and files["other.py"] == "x = 1\n"
    index = CodeIndex.build(files, use_cache=False)
    assert gold._cut_from_excerpt(_chain_sites(index), index, files, {"m.py": shown}, cut) == []


def test_an_excerpt_missing_a_hop_of_the_answer_is_disputed(gold: ModuleType) -> None:
    """The generator keeps every needed definition; a workspace that lost one (here ``third``) must not pass."""
    shown = excerpt(WHOLE, extract("m.py", WHOLE, "python"), [(1, 2), (9, 10)])
    assert "def third" not in shown
    files, cut = gold._whole_view({"m.py": shown}, {"m.py": WHOLE})
    index = CodeIndex.build(files, use_cache=False)
    third = index.definitions["m.third"]
    assert gold._cut_from_excerpt(_chain_sites(index), index, files, {"m.py": shown}, cut) == \
        [f"m.py:{third.line}-{third.end_line}"]


def test_a_whole_workspace_is_checked_as_it_is(gold: ModuleType) -> None:
    files, cut = gold._whole_view({"m.py": WHOLE}, {"m.py": WHOLE})
    assert cut == [] and files == {"m.py": WHOLE}
