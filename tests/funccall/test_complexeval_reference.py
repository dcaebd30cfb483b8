"""ComplexEval's exact-match table and free functions checked against an independent transcription of the
reference evaluator's published lists (``data/complexeval_reference.json``), not against the code's own table:
a parameter dropped from, or added to, the code's table changes a verdict these tests expect."""

from __future__ import annotations

import json
from pathlib import Path

from locogym.scenarios.funccall.complexeval import EXACT_PARAMS, classify, is_free, same_call

REFERENCE = json.loads((Path(__file__).parent / "data" / "complexeval_reference.json").read_text())
EXACT: dict[str, list[str]] = REFERENCE["exact_parameters"]
FREE: list[str] = REFERENCE["free_functions"]
# every parameter either table names: the code's table only widens the names probed, the verdicts expected come
# from the reference alone
EVERY_PARAMETER = sorted({p for table in (EXACT, EXACT_PARAMS) for params in table.values() for p in params})
PROBE = "zz_probe"  # a parameter the reference compares exactly for no function


def _compared_exactly(name: str, param: str) -> bool:
    """Whether the replay compares ``param`` of ``name`` exactly: the expected call differs from the sent one in an
    ordinary parameter and lacks nothing else; only an exact parameter, checked before the others, makes the
    missing ``param`` the reported error."""
    recorded = {PROBE: "expected", param: "v"}
    return classify(name, {PROBE: "other"}, [(name, recorded)]) == "param_missing"


def test_the_reference_table_names_every_function_the_replay_may_see() -> None:
    assert len(EXACT) == 46 and set(FREE) <= set(EXACT)
    assert sum(len(p) for p in EXACT.values()) == 140


def test_exactly_the_reference_parameters_are_compared_exactly() -> None:
    differ = [(name, param, param in params) for name, params in EXACT.items() for param in EVERY_PARAMETER
              if _compared_exactly(name, param) != (param in params)]
    assert differ == []


def _spelling(param: str) -> str:
    """A value whose normal form survives a trailing space (a coordinate must read as a number)."""
    return "1.5" if param.endswith(("latitude", "longitude")) else "Abc"


def test_an_exact_parameter_sent_in_another_spelling_is_another_call() -> None:
    """A value that normalises to the recorded one still differs for an exact parameter, and only for one (the
    category filter, compared as a set of stripped items, reads both spellings alike)."""
    wrong = []
    for name, params in EXACT.items():
        for param in EVERY_PARAMETER:
            value = _spelling(param)
            alike = param not in params or param == "categories_filter"
            if same_call(name, {param: value + " "}, name, {param: value}) is not alike:
                wrong.append((name, param))
    assert wrong == []


def test_a_function_outside_the_table_compares_nothing_exactly() -> None:
    assert not any(_compared_exactly("Get_Hotel_Photos", p) for p in EVERY_PARAMETER)


def test_the_reference_free_functions_are_optional_and_no_other() -> None:
    assert [name for name in EXACT if is_free(name, {})] == FREE
    assert is_free("Search_Hotels", {"search_type": "hotel"}) and not is_free("Search_Hotels", {"search_type": "city"})
