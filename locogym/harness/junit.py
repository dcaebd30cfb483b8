"""JUnit XML for CI: one ``<testcase>`` per (agent, task), grouped into one ``<testsuite>`` per agent.

CI systems (GitHub Actions test reporters, GitLab, Jenkins) read this format to show pass/fail per case. The
file is written with the standard library's ElementTree (text is escaped, control characters that XML 1.0 cannot
hold are replaced) and atomically replaced, so a reader never sees half a file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CaseStatus = Literal["passed", "failed", "error", "skipped"]
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class JUnitCase:
    """One test case: ``status`` decides whether a ``<failure>``, ``<error>`` or ``<skipped>`` child is added."""

    suite: str
    name: str
    status: CaseStatus
    time_s: float = 0.0
    message: str = ""
    details: str = ""
    properties: dict[str, str] = field(default_factory=dict)


def _clean(text: str) -> str:
    return _INVALID_XML.sub("?", text)


def render_junit(cases: Sequence[JUnitCase], name: str = "locogym arena") -> str:
    """The XML document for ``cases`` (suites in first-seen order)."""
    root = ET.Element("testsuites", name=_clean(name))
    suites: dict[str, list[JUnitCase]] = {}
    for case in cases:
        suites.setdefault(case.suite, []).append(case)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for suite_name, members in suites.items():
        counts = {"tests": len(members), "failures": sum(c.status == "failed" for c in members),
                  "errors": sum(c.status == "error" for c in members),
                  "skipped": sum(c.status == "skipped" for c in members)}
        suite_time = sum(c.time_s for c in members)
        attributes = {"name": _clean(suite_name), "time": f"{suite_time:.3f}",
                      **{k: str(v) for k, v in counts.items()}}
        suite = ET.SubElement(root, "testsuite", attributes)
        for case in members:
            element = ET.SubElement(suite, "testcase", classname=_clean(case.suite), name=_clean(case.name),
                                    time=f"{case.time_s:.3f}")
            if case.properties:
                props = ET.SubElement(element, "properties")
                for key, value in sorted(case.properties.items()):
                    ET.SubElement(props, "property", name=_clean(key), value=_clean(value))
            if case.status in ("failed", "error"):
                child = ET.SubElement(element, "failure" if case.status == "failed" else "error",
                                      message=_clean(case.message), type=case.status)
                child.text = _clean(case.details)
            elif case.status == "skipped":
                ET.SubElement(element, "skipped", message=_clean(case.message))
        for key in totals:
            totals[key] += counts[key]
        total_time += suite_time
    root.set("time", f"{total_time:.3f}")
    for key, total in totals.items():
        root.set(key, str(total))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: str | Path, cases: Sequence[JUnitCase], name: str = "locogym arena") -> Path:
    """Write (atomically replace) a JUnit XML file and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(render_junit(cases, name), encoding="utf-8")
    tmp.replace(target)
    return target
