"""The Sandbox contract, checked the same way on every backend that runs here (local always; bwrap and docker
where available, and always in CI). A backend that passes these behaves like the others for every tool."""

from __future__ import annotations

import warnings

import pytest

from locogym.core.errors import SandboxTimeout, SandboxUnavailable
from locogym.sandboxes.base import PathOutsideWorkspace, Sandbox, make_sandbox
from locogym.sandboxes.client import PatchError


@pytest.fixture(scope="module", params=["local", pytest.param("bwrap", marks=pytest.mark.bwrap),
                                        pytest.param("docker", marks=pytest.mark.docker)])
def box(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "docker":
        request.getfixturevalue("docker_engine")
    if request.param == "bwrap":
        request.getfixturevalue("bwrap_available")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sandbox = make_sandbox(request.param)
    yield sandbox
    sandbox.close()


@pytest.fixture()
def ws(box: Sandbox) -> Sandbox:
    box.clear_workspace()
    return box


def test_write_read_list_roundtrip(ws: Sandbox) -> None:
    ws.write_file("pkg/mod.py", "x = 1\n")
    ws.write_file("bin.dat", b"\x00\xff\x01")
    assert ws.read_file("pkg/mod.py") == b"x = 1\n"
    assert ws.read_file("/workspace/bin.dat") == b"\x00\xff\x01"
    assert [(e.name, e.type) for e in ws.list_dir()] == [("bin.dat", "file"), ("pkg", "dir")]
    assert ws.list_dir("pkg")[0].size == 6


def test_missing_and_wrong_kinds_raise_the_documented_errors(ws: Sandbox) -> None:
    ws.write_file("d/f.txt", "t")
    with pytest.raises(FileNotFoundError):
        ws.read_file("nope.txt")
    with pytest.raises(IsADirectoryError):
        ws.read_file("d")
    with pytest.raises(NotADirectoryError):
        ws.list_dir("d/f.txt")
    with pytest.raises(FileNotFoundError):
        ws.list_dir("nowhere")
    with pytest.raises(IsADirectoryError):
        ws.write_file("d", "x")


@pytest.mark.slow
def test_load_workspace_replaces_everything_in_one_call(ws: Sandbox) -> None:
    ws.write_file("old.txt", "gone")
    files = {f"src/m{i:04d}.py": f"VALUE = {i}\n" for i in range(1500)}
    files["README.md"] = "readme"
    ws.load_workspace(files)
    assert ws.glob("**/*") == sorted(files)
    assert ws.read_file("src/m0042.py") == b"VALUE = 42\n"
    ws.load_workspace({"extra.txt": "e"}, clear=False)
    assert "extra.txt" in ws.glob("*.txt") and "README.md" in ws.glob("*")


def test_grep_and_glob_match_the_shared_walk_semantics(ws: Sandbox) -> None:
    ws.load_workspace({"a.py": "def alpha():\n    return 1\n", "sub/b.py": "ALPHA = 2\n", "sub/c.txt": "alpha\n",
                       ".git/config": "alpha\n", "blob.bin": b"alpha\x00"})
    assert ws.glob("*.py") == ["a.py", "sub/b.py"]
    assert ws.glob("sub/*") == ["sub/b.py", "sub/c.txt"]
    hits = ws.grep("alpha", "**/*.py", ignore_case=True)
    assert [(h.path, h.line) for h in hits] == [("a.py", 1), ("sub/b.py", 1)]
    assert [h.path for h in ws.grep("alpha")] == ["a.py", "sub/c.txt"]  # .git and binary files are skipped
    assert len(ws.grep("alpha", max_matches=1)) == 1
    with pytest.raises(ValueError):
        ws.grep("(unclosed")


def test_exec_runs_in_the_workspace_with_a_clean_environment(ws: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.write_file("sub/hello.txt", "hi")
    result = ws.exec(["sh", "-c", "cat hello.txt; echo oops >&2; exit 3"], cwd="sub", env={"TASK_VAR": "1"})
    assert (result.exit_code, result.stdout, result.stderr) == (3, "hi", "oops\n")
    env = ws.exec(["env"]).stdout
    assert "TASK_VAR" not in env and "PATH=" in env
    assert ws.exec(["sh", "-c", "echo $TASK_VAR"], env={"TASK_VAR": "set"}).stdout == "set\n"
    assert ws.exec(["cat"], stdin="piped").stdout == "piped"
    missing = ws.exec(["no-such-command-xyz"])
    assert missing.exit_code == 127 and "not found" in missing.stderr


def test_exec_timeout_kills_and_reports(ws: Sandbox) -> None:
    result = ws.exec(["sleep", "30"], timeout=0.5)
    assert result.timed_out and result.exit_code != 0 and result.error_kind is not None
    assert result.error_kind.value == "timeout"
    assert ws.exec(["echo", "after"]).stdout == "after\n"


def test_endless_output_is_cut_with_a_marker(ws: Sandbox) -> None:
    result = ws.exec(["sh", "-c", "yes"], timeout=20)
    assert result.truncated and not result.timed_out
    assert "more bytes were not shown" in result.stdout
    assert result.error_kind is not None and result.error_kind.value == "output_limit"


def test_apply_patch_changes_creates_and_deletes_atomically(ws: Sandbox) -> None:
    ws.load_workspace({"a.py": "one\ntwo\nthree\n", "gone.py": "bye\n"})
    patch = ("--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"
             "--- /dev/null\n+++ b/new/n.py\n@@ -0,0 +1 @@\n+fresh\n"
             "--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n")
    assert sorted(ws.apply_patch(patch)) == ["a.py", "gone.py", "new/n.py"]
    assert ws.read_file("a.py") == b"one\nTWO\nthree\n" and ws.read_file("new/n.py") == b"fresh\n"
    with pytest.raises(FileNotFoundError):
        ws.read_file("gone.py")
    bad = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-not there\n+x\n"
    with pytest.raises(PatchError, match="Hunk 1 of a.py"):
        ws.apply_patch("--- a/new/n.py\n+++ b/new/n.py\n@@ -1 +1 @@\n-fresh\n+changed\n" + bad)
    assert ws.read_file("new/n.py") == b"fresh\n"  # nothing was written


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../x", "/workspace/../etc/hosts"])
def test_dotdot_paths_are_refused_by_every_file_method(ws: Sandbox, path: str) -> None:
    for call in (lambda: ws.read_file(path), lambda: ws.write_file(path, "x"), lambda: ws.list_dir(path),
                 lambda: ws.delete_file(path), lambda: ws.exec(["true"], cwd=path),
                 lambda: ws.load_workspace({path: "x"})):
        with pytest.raises(PathOutsideWorkspace):
            call()
    with pytest.raises(PathOutsideWorkspace):
        ws.apply_patch(f"--- /dev/null\n+++ {path}\n@@ -0,0 +1 @@\n+x\n")


def test_symlink_pointing_outside_is_refused(ws: Sandbox) -> None:
    made = ws.exec(["ln", "-s", "/etc", "out"])
    assert made.exit_code == 0, made.stderr
    ws.exec(["ln", "-s", "/etc/hostname", "file_link"])
    for call in (lambda: ws.read_file("out/hostname"), lambda: ws.read_file("file_link"),
                 lambda: ws.write_file("file_link", "x"), lambda: ws.write_file("out/new.txt", "x"),
                 lambda: ws.list_dir("out")):
        with pytest.raises(PathOutsideWorkspace):
            call()
    assert ws.glob("**/*") == []  # links are not files of the workspace
    ws.delete_file("file_link")  # removing the link itself is fine


def test_server_death_is_reported_and_the_server_restarts(ws: Sandbox) -> None:
    ws.write_file("kept.txt", "still here")
    pid = ws.server.greeting["pid"]
    with pytest.raises(SandboxUnavailable):
        ws.exec(["sh", "-c", f"kill -9 {pid}"])
    assert ws.read_file("kept.txt") == b"still here"
    assert ws.server.restarts >= 1 and ws.exec(["echo", "ok"]).stdout == "ok\n"


def test_a_hung_request_times_out_and_the_server_restarts(ws: Sandbox) -> None:
    made = ws.exec(["mkfifo", "pipe"])
    assert made.exit_code == 0, made.stderr
    with pytest.raises(PermissionError):  # a FIFO is refused instead of blocking the server
        ws.read_file("pipe")
    with pytest.raises(SandboxTimeout):
        ws.server.call("exec", {"argv": ["sleep", "30"], "timeout": 30}, timeout=0.5)
    assert ws.exec(["echo", "alive"]).stdout == "alive\n"


def test_missing_working_folder_is_not_found(ws: Sandbox) -> None:
    with pytest.raises(NotADirectoryError):
        ws.exec(["true"], cwd="no/such/folder")
