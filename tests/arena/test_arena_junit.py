"""JUnit XML: well-formed, counted per suite and in total, hostile text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from locogym.harness.junit import JUnitCase, render_junit, write_junit


def test_counts_and_children(tmp_path) -> None:
    cases = [JUnitCase(suite="arena.patch.oracle", name="task-0", status="passed", time_s=1.5,
                       properties={"score": "1.0"}),
             JUnitCase(suite="arena.patch.noop", name="task-0", status="failed", message="score 0.00 (no_change)",
                       details="defects: comparison at a.py:3"),
             JUnitCase(suite="arena.patch.noop", name="task-1", status="error", message="errored"),
             JUnitCase(suite="arena.patch.noop", name="task-2", status="skipped", message="not run")]
    path = write_junit(tmp_path / "out" / "junit.xml", cases, name="arena")
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "4" and root.get("failures") == "1"
    assert root.get("errors") == "1" and root.get("skipped") == "1"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert suites["arena.patch.oracle"].get("tests") == "1" and suites["arena.patch.noop"].get("tests") == "3"
    oracle_case = suites["arena.patch.oracle"].find("testcase")
    assert oracle_case.get("time") == "1.500" and oracle_case.find("failure") is None
    assert oracle_case.find("properties/property").get("value") == "1.0"
    failure = suites["arena.patch.noop"].find("testcase/failure")
    assert failure.get("message") == "score 0.00 (no_change)" and "a.py:3" in failure.text
    assert suites["arena.patch.noop"].findall("testcase")[1].find("error") is not None


def test_hostile_text_is_escaped() -> None:
    text = render_junit([JUnitCase(suite="s<&>\"", name="n\x00\x1b]", status="failed", message="<b>&amp;",
                                   details="]]> \x07 tail")])
    root = ET.fromstring(text.encode())
    case = root.find("testsuite/testcase")
    assert case.get("name") == "n??]" and case.find("failure").get("message") == "<b>&amp;"
    assert case.find("failure").text == "]]> ? tail"
