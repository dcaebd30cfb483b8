"""Issue-style descriptions of injected defects, written from the failures they cause (symptom, not location).

A reporter sees what went wrong, not where: the description quotes what the failing checks observed (pytest's
``E`` lines: the assertion, the values, the exception) and names the behaviour by the failing test's name in
plain words. It never names the mutated file, function body or line. It shows one failing example per defect:
every defect is caught by at least two tests, so the others stay hidden and a patch that special-cases the
quoted example still fails them.
"""

from __future__ import annotations

import re

from locogym.scenarios.defects.inject import Injection

_PARAMS = re.compile(r"\[(.*)\]$")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")  # object addresses differ from run to run
_MAX_LINES = 6


def observed_lines(failure: str) -> list[str]:
    """The ``E`` lines of a pytest failure (what was observed), without file locations."""
    lines = []
    for raw in failure.splitlines():
        if raw.startswith("E "):
            text = raw[1:].strip()
            if text and not re.search(r"\.py:\d+", text):
                lines.append(_ADDRESS.sub("0x…", text)[:300])
    if not lines:
        tail = [ln.strip() for ln in failure.strip().splitlines() if ln.strip() and not re.search(r"\.py:\d+", ln)]
        lines = [_ADDRESS.sub("0x…", line)[:300] for line in tail[-2:]]
    return lines[:_MAX_LINES]


def behaviour_name(nodeid: str) -> tuple[str, str]:
    """("tally profile project", "13-434") from ``tests/test_x.py::test_tally_profile_project[13-434]``."""
    last = nodeid.split("::")[-1]
    params = ""
    match = _PARAMS.search(last)
    if match:
        params = match.group(1)
        last = last[: match.start()]
    words = last.removeprefix("test_").removeprefix("test").replace("_", " ").strip()
    return words or last, params


def describe(injection: Injection) -> str:
    """The issue text of a patch task: one symptom per injected defect."""
    final = set(injection.fail_to_pass)
    blocks: list[str] = []
    for defect in injection.defects:
        shown = [t for t in defect.fail_to_pass if t in final][:1] or defect.fail_to_pass[:1]
        for nodeid in shown:
            name, params = behaviour_name(nodeid)
            observed = observed_lines(injection.failures.get(nodeid, "")) or ["the check failed"]
            where = f" (case {params})" if params else ""
            body = "\n".join(f"    {line}" for line in observed)
            blocks.append(f"{len(blocks) + 1}. Checking \"{name}\"{where} now fails:\n\n{body}\n")
    title = ("A regression broke existing behaviour" if len(injection.defects) == 1
             else f"{len(injection.defects)} regressions broke existing behaviour")
    return (f"## {title}\n\n"
            "Since the last change, behaviour that used to work is wrong. What was observed:\n\n"
            + "\n".join(blocks)
            + "\nThe project's test suite passed before the change. Find the cause in the code and fix it; do not "
              "edit the tests, and keep every other behaviour as it is.")
