"""The repo tools on an in-memory sandbox: paging, evidence, edits seen by the index, the shell, the notes."""

from __future__ import annotations

import pytest

from locogym.core import tokens
from locogym.core.types import ErrorKind, Evidence, Task, ToolCall, ToolResult
from locogym.sandboxes.base import ExecResult
from locogym.sandboxes.fake import FakeSandbox
from locogym.scenarios.repo.workspace import RepoWorkspace
from locogym.tools.base import ToolContext, ToolSet
from locogym.tools.code import repo_tools

FILES = {
    "pkg/__init__.py": "from .core import work as do_work\n",
    "pkg/core.py": "def helper(x):\n    return x + 1\n\n\n"
                   "def work(x):\n    \"\"\"Do the work.\"\"\"\n    return helper(x) * 2\n",
    "pkg/big.py": "".join(f"VALUE_{i} = {i}\n" for i in range(1, 451)),
    "README.md": "A tiny package.\n",
}


def _setup(exec_log: list[list[str]] | None = None, world: bool = True) -> tuple[ToolSet, ToolContext, FakeSandbox]:
    def handler(argv: list[str], **_: object) -> ExecResult:
        if exec_log is not None:
            exec_log.append(argv)
        return ExecResult(exit_code=3, stdout="out\n", stderr="err\n")

    box = FakeSandbox(files=FILES, exec_handler=handler)
    task = Task(task_id="t", family="repo", prompt="", tool_names=[],
                evidence=[Evidence(id="pkg/core.py:5-7", kind="file_span",
                                   locator={"path": "pkg/core.py", "start": 5, "end": 7})])
    ctx = ToolContext(task=task, sandbox_factory=lambda: box, world=RepoWorkspace(FILES) if world else None)
    return ToolSet(repo_tools()), ctx, box


def _call(tools: ToolSet, ctx: ToolContext, tool: str, **arguments: object) -> ToolResult:
    return tools.invoke(ctx, ToolCall(name=tool, arguments=arguments))


def test_tool_set_is_fixed_and_documented() -> None:
    tools = ToolSet(repo_tools())
    assert tools.names == ["list_dir", "read_file", "grep", "find_symbol", "find_references", "repo_map",
                           "write_file", "edit_file", "run", "notes_read", "notes_write", "submit"]
    for spec in tools.specs():
        assert spec.description and spec.parameters["type"] == "object"


def test_read_file_numbers_lines_pages_and_reports_evidence() -> None:
    tools, ctx, _ = _setup()
    result = _call(tools, ctx, "read_file", path="pkg/core.py", offset=5, limit=2)
    assert result.output.splitlines()[:3] == ["pkg/core.py (lines 5-6 of 7)", "5\tdef work(x):",
                                              '6\t    """Do the work."""']
    assert 'read_file(path="pkg/core.py", offset=7)' in result.output
    assert result.data["evidence"] == ["pkg/core.py:5-7"]
    assert _call(tools, ctx, "read_file", path="pkg/core.py", limit=3).data["evidence"] == []
    big = _call(tools, ctx, "read_file", path="pkg/big.py")
    assert "(lines 1-200 of 450)" in big.output and "offset=201" in big.output
    assert _call(tools, ctx, "read_file", path="pkg/core.py", offset=99).error == ErrorKind.invalid_arguments
    assert _call(tools, ctx, "read_file", path="../x").error == ErrorKind.permission
    assert _call(tools, ctx, "read_file", path="nope.py").error == ErrorKind.not_found


def test_list_dir_and_grep() -> None:
    tools, ctx, _ = _setup()
    listing = _call(tools, ctx, "list_dir", path=".")
    assert "pkg/" in listing.output and "README.md  (16 bytes)" in listing.output
    found = _call(tools, ctx, "grep", pattern=r"return helper\(", path_glob="**/*.py")
    assert found.output.splitlines() == ["pkg/core.py:7: return helper(x) * 2"]
    assert found.data["evidence"] == ["pkg/core.py:5-7"]
    assert "No line matches" in _call(tools, ctx, "grep", pattern="zzz").output
    assert _call(tools, ctx, "grep", pattern="[").error == ErrorKind.invalid_arguments


def test_find_symbol_and_references_use_the_index() -> None:
    tools, ctx, _ = _setup()
    found = _call(tools, ctx, "find_symbol", name="pkg.do_work")
    assert found.output.startswith("pkg.core.work (function) pkg/core.py:5-7")
    assert "Do the work." in found.output and found.data["evidence"] == ["pkg/core.py:5-7"]
    refs = _call(tools, ctx, "find_references", name="helper")
    assert "pkg/core.py:7 [call in pkg.core.work -> pkg.core.helper] return helper(x) * 2" in refs.output
    assert _call(tools, ctx, "find_symbol", name="ghost").error == ErrorKind.not_found


def test_edits_reach_the_sandbox_and_the_index() -> None:
    tools, ctx, box = _setup()
    edited = _call(tools, ctx, "edit_file", path="pkg/core.py", old="return x + 1", new="return other(x)")
    assert edited.ok and box.read_file("pkg/core.py").decode().count("other(x)") == 1
    wrote = _call(tools, ctx, "write_file", path="pkg/extra.py", content="def other(x):\n    return x\n")
    assert wrote.ok
    refs = _call(tools, ctx, "find_references", name="other")
    assert "pkg/core.py:2 [call in pkg.core.helper]" in refs.output
    assert _call(tools, ctx, "edit_file", path="pkg/core.py", old="x", new="y").error == ErrorKind.invalid_arguments
    assert (_call(tools, ctx, "edit_file", path="pkg/core.py", old="absent", new="y").error
            == ErrorKind.invalid_arguments)


def test_run_goes_through_the_sandbox_and_refreshes_the_mirror() -> None:
    log: list[list[str]] = []
    tools, ctx, box = _setup(log)
    result = _call(tools, ctx, "run", cmd="make test")
    assert log == [["bash", "-lc", "make test"]]
    assert result.output == "exit code 3\n--- stdout ---\nout\n--- stderr ---\nerr"
    box.write_file("pkg/late.py", "def late():\n    return 0\n")  # as if the command had created it
    assert "pkg/late.py" in _call(tools, ctx, "find_symbol", name="late").output


def test_code_tools_work_without_a_world_by_reading_the_sandbox() -> None:
    tools, ctx, _ = _setup(world=False)
    assert "pkg/core.py:1-2" in _call(tools, ctx, "find_symbol", name="helper").output


def test_repo_map_respects_budget() -> None:
    tools, ctx, _ = _setup()
    small = _call(tools, ctx, "repo_map", budget=128)
    assert tokens.count(small.output) <= 128 and "pkg/core.py" in small.output
    assert _call(tools, ctx, "repo_map", budget=5).error == ErrorKind.invalid_arguments


def test_notes_persist_append_and_replace() -> None:
    tools, ctx, _ = _setup()
    assert _call(tools, ctx, "notes_read").output == "(no notes yet)"
    _call(tools, ctx, "notes_write", content="a")
    _call(tools, ctx, "notes_write", content="b")
    assert _call(tools, ctx, "notes_read").output == "a\nb"
    _call(tools, ctx, "notes_write", content="c", mode="replace")
    assert _call(tools, ctx, "notes_read").output == "c"
    assert _call(tools, ctx, "notes_write", content="x" * 70_000).error == ErrorKind.invalid_arguments


@pytest.mark.parametrize("args", [{}, {"answer": None}])
def test_submit_accepts_no_answer(args: dict) -> None:
    tools, ctx, _ = _setup()
    assert _call(tools, ctx, "submit", **args).data == {"submitted": True, "answer": None}
