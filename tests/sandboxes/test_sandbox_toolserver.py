"""The tool server's pure parts (patch, glob) and its protocol, driven in-process through the local backend."""

from __future__ import annotations

import warnings

import pytest

from locogym.core.errors import SandboxTimeout, SandboxUnavailable
from locogym.sandboxes.channel import Channel, ChannelTimeout
from locogym.sandboxes.client import ToolServerClient
from locogym.sandboxes.fake import FakeSandbox
from locogym.sandboxes.local import LocalSandbox, LocalSandboxWarning
from locogym.sandboxes.toolserver import PatchError, apply_hunks, glob_match, parse_unified_diff


def test_glob_semantics() -> None:
    assert glob_match("a/b/c.py", "**/*.py") and glob_match("c.py", "**/*.py")
    assert glob_match("a/b/c.py", "*.py")  # a pattern without a slash matches base names
    assert not glob_match("a/b/c.py", "a/*.py") and glob_match("a/b/c.py", "a/**")
    assert glob_match("x/t1.py", "t[0-9].py") and not glob_match("x/tt.py", "t[0-9].py")


def test_patch_with_offset_and_missing_newline() -> None:
    text = "header\nextra\na\nb\nc"
    patch = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n\\ No newline at end of file\n"
    files = parse_unified_diff(patch)
    assert files[0][:2] == ("f", "f")
    assert apply_hunks("f", text, files[0][2]) == "header\nextra\na\nB\nc"


def test_patch_errors_name_the_problem() -> None:
    with pytest.raises(PatchError, match="No file headers"):
        parse_unified_diff("just text")
    with pytest.raises(PatchError, match="cut short"):
        parse_unified_diff("--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n")
    hunks = parse_unified_diff("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-zzz\n+y\n")[0][2]
    with pytest.raises(PatchError, match="Hunk 1 of f does not apply"):
        apply_hunks("f", "a\n", hunks)


def test_fake_and_local_apply_the_same_patch_the_same_way() -> None:
    files = {"m.py": "def f():\n    return 1\n", "old.txt": "x\n"}
    patch = ("--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n"
             "--- a/old.txt\n+++ b/new.txt\n@@ -1 +1 @@\n-x\n+y\n")
    fake = FakeSandbox(files=files)
    with pytest.warns(LocalSandboxWarning):
        local = LocalSandbox()
    try:
        local.load_workspace(files)
        assert sorted(fake.apply_patch(patch)) == sorted(local.apply_patch(patch)) == ["m.py", "new.txt", "old.txt"]
        assert fake.snapshot() == {p: local.read_file(p) for p in local.glob()}
    finally:
        local.close()


def test_local_info_and_close_remove_the_folder() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = LocalSandbox()
    folder = box.root
    assert box.info().isolated is False and folder.exists()
    box.close()
    box.close()  # idempotent
    assert not folder.exists()
    with pytest.raises(Exception, match="closed"):
        box.read_file("x")


class ScriptedChannel(Channel):
    """A channel whose server side is a script of replies: the client's framing tested without a process."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = [b'{"id":0,"ok":true,"result":{"pid":1}}\n', *replies]
        self.sent: list[bytes] = []
        self.closed = False

    def send(self, data: bytes) -> None:
        self.sent.append(data)

    def receive(self, deadline: float) -> bytes:
        if not self.replies:
            raise ChannelTimeout
        return self.replies.pop(0)

    def close(self) -> None:
        self.closed = True


def test_malformed_reply_is_treated_as_a_crash_and_the_server_restarts() -> None:
    channels = [ScriptedChannel([b"not json\n"]),
                ScriptedChannel([b'{"id":2,"ok":true,', b'"result":{"size":3},"exit_code":0}\n'])]
    client = ToolServerClient(lambda: channels.pop(0), "scripted")
    with pytest.raises(SandboxUnavailable, match="died"):
        client.call("exec", {"argv": ["true"]})  # a command is never sent twice: it may have run
    assert client.restarts == 1
    result, _ = client.call("exec", {"argv": ["true"]})  # split reply frames are joined
    assert result == {"size": 3}


def test_an_idempotent_request_is_sent_once_more_to_a_fresh_server() -> None:
    channels = [ScriptedChannel([b"not json\n"]),
                ScriptedChannel([b'{"id":2,"ok":true,"result":{},"blob":3}\nabc', b"garbage\n"]),
                ScriptedChannel([b"garbage again\n"])]
    client = ToolServerClient(lambda: channels.pop(0), "scripted")
    assert client.call("read", {"path": "x"}) == ({}, b"abc") and client.restarts == 1
    with pytest.raises(SandboxUnavailable, match="died"):  # a second death in a row is reported
        client.call("read", {"path": "x"})
    assert client.restarts == 3


def test_silent_server_times_out_and_typed_errors_map() -> None:
    silent = ScriptedChannel([])
    client = ToolServerClient(lambda: silent, "scripted")
    with pytest.raises(SandboxTimeout):
        client.call("ping", timeout=0.01)
    assert silent.closed
    answer = ScriptedChannel([b'{"id":1,"ok":false,"error":{"type":"FileNotFoundError","message":"gone"}}\n'])
    client = ToolServerClient(lambda: answer, "scripted")
    with pytest.raises(FileNotFoundError, match="gone"):
        client.call("read", {"path": "x"}, path="x")


def test_exit_cleanup_in_a_forked_child_leaves_the_parents_sandbox_alone() -> None:
    import os

    from locogym.sandboxes import served

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = LocalSandbox()
    try:
        box.write_file("kept.txt", "parent's")
        pid = os.fork()
        if pid == 0:  # what a forked worker's interpreter exit would run
            served._close_all()
            os._exit(0)
        os.waitpid(pid, 0)
        assert box.read_file("kept.txt") == b"parent's" and box.server.restarts == 0
    finally:
        box.close()
