"""The grep baseline reads Go as text: values stated next to a call, and embedded fields for dispatch."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from locogym.agents.grep import GrepAgent
from locogym.core.types import ToolCall

FILES = {
    "conv.go": "package conv\n\nfunc Double(n int) int {\n\treturn twice(n)\n}\n",
    "conv_test.go": (
        "package conv\n\nimport \"testing\"\n\nfunc TestDouble(t *testing.T) {\n"
        "\tif got := Double(21); got != 42 {\n\t\tt.Fatal(got)\n\t}\n}\n\n"
        "var table = []struct{ in int; want string }{{Label(3), \"three\"}}\n"
    ),
    "base.go": "package conv\n\ntype Base struct{}\n\nfunc (b *Base) Name() string { return \"b\" }\n",
    "widget.go": "package conv\n\ntype Widget struct {\n\t*Base\n\tsize int\n}\n",
}


def _grep(pattern: str, glob: str) -> str:
    wanted = glob[3:] if glob.startswith("**/") else glob
    hits = [f"{path}:{n}: {line}" for path, text in sorted(FILES.items())
            if fnmatch.fnmatch(path, wanted) for n, line in enumerate(text.splitlines(), 1)
            if re.search(pattern, line)]
    return "\n".join(hits) or "No line matches."


def _read(path: str) -> str:
    lines = FILES[path].splitlines()
    return "\n".join([f"{path} (lines 1-{len(lines)} of {len(lines)})",
                      *(f"{n:>6}\t{line}" for n, line in enumerate(lines, 1))])


def _answer(question: str) -> Any:
    """The grep agent's submitted answer, its tools answered from :data:`FILES`."""
    agent = GrepAgent()
    agent.reset({"tools": [{"name": n} for n in ("grep", "read_file", "submit")]})
    script = agent.script(f"Question: {question}")
    call: ToolCall = next(script)
    while call.name != "submit":
        obs = _grep(call.arguments["pattern"], call.arguments["path_glob"]) if call.name == "grep" else \
            _read(call.arguments["path"])
        call = script.send(obs)
    return call.arguments.get("answer")


def test_a_value_a_go_test_states_next_to_the_call_is_read() -> None:
    assert _answer("In `conv.go`, what does the Go call `Double(21)` return? Answer with the value.") == 42
    assert _answer("In `conv.go`, what does the Go call `Label(3)` return? Answer with the value.") == "three"
    assert _answer("In `conv.go`, what does the Go call `Double(5)` return? Answer with the value.") is None


def test_embedded_fields_are_walked_as_written_for_go_dispatch() -> None:
    question = ("In the Go package in the folder `.`, a value is created as `v := &Widget{}` (the struct declared in "
                "`widget.go`), and then `v.Name(…)` is called. Which method declaration runs?")
    assert _answer(question) == "base.go::Base.Name"
