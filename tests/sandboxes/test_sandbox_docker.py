"""Docker specifics: how the container is configured, reuse across resets, cleanup at exit and by prune."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from locogym.sandboxes.image import LABEL

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def box(docker_engine: None) -> Iterator[object]:
    from locogym.sandboxes.docker import DockerSandbox

    sandbox = DockerSandbox(memory="512m", pids=128)
    yield sandbox
    sandbox.close()


def test_container_is_locked_down(box) -> None:  # noqa: ANN001
    attrs = box.container.client.api.inspect_container(box.container.id)
    host = attrs["HostConfig"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and "no-new-privileges" in host["SecurityOpt"]
    assert host["Memory"] == 512 * 1024**2 and host["MemorySwap"] == 512 * 1024**2 and host["PidsLimit"] == 128
    assert attrs["Config"]["Labels"][LABEL] == "1"
    assert {e.split("=", 1)[0] for e in attrs["Config"]["Env"] or []} <= {"PATH", "LANG"}  # the image's, no host's
    who = box.exec(["id", "-u"]).stdout.strip()
    assert who == "1000"
    assert box.exec(["ls", "/sys/class/net"]).stdout.split() == ["lo"]  # loopback only: no way out


def test_container_is_reused_across_resets(box) -> None:  # noqa: ANN001
    first = box.container.id
    box.load_workspace({"a.txt": "one"})
    box.exec(["sh", "-c", "echo scratch > /tmp/scratch"])
    box.load_workspace({"b.txt": "two"})
    assert box.container.id == first and box.glob() == ["b.txt"]


def _leak(exit_call: str) -> str:
    code = ("import warnings; from locogym.sandboxes.docker import DockerSandbox\n"
            "box = DockerSandbox(); print(box.container.id, flush=True)\n" + exit_call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip(), done.stderr
    return done.stdout.strip().splitlines()[0]


def _exists(container_id: str) -> bool:
    return subprocess.run(["docker", "inspect", container_id], capture_output=True).returncode == 0


def test_the_exec_stream_outlives_the_sdk_objects_that_opened_it(docker_engine: None) -> None:
    """The SDK hands the exec socket out inside a wrapper that is freed only by the cyclic garbage collector. Once
    it was freed, a later close of the SDK's HTTP connection closed the descriptor under the live tool server, and
    the next call died with EBADF (a load of a big workspace allocates enough to trigger that collection)."""
    import gc

    from locogym.sandboxes.docker import DockerSandbox

    sandbox = DockerSandbox()
    try:
        channel = sandbox.server._channel
        assert channel is not None
        gc.collect()
        channel._sock.close()  # what the SDK does when it discards the connection that carried `exec start`
        assert sandbox.exec(["echo", "ok"]).stdout == "ok\n" and sandbox.server.restarts == 0
    finally:
        sandbox.close()


@pytest.mark.slow
def test_unclosed_sandbox_is_removed_at_exit(docker_engine: None) -> None:
    assert not _exists(_leak("pass"))


@pytest.mark.slow
def test_prune_removes_the_container_of_a_crashed_run(docker_engine: None) -> None:
    from locogym.sandboxes.doctor import prune

    leftover = _leak("import os; os._exit(1)")  # no atexit handlers run
    assert _exists(leftover)
    removed = {r.container: r for r in prune()}
    assert leftover[:12] in removed and removed[leftover[:12]].reason == "the process has ended"
    assert not _exists(leftover)


def test_prune_never_removes_the_sandbox_of_another_live_run(docker_engine: None) -> None:
    """Two runs at once: the second one's start-up cleanup leaves the first one's container alone."""
    code = ("from locogym.sandboxes.docker import DockerSandbox\nimport sys, time\n"
            "box = DockerSandbox(); print(box.container.id, flush=True); sys.stdin.read(); box.close()")
    other = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None
        theirs = other.stdout.readline().strip()
        assert theirs and _exists(theirs)
        from locogym.sandboxes.doctor import prune

        assert theirs[:12] not in {r.container for r in prune()}
        assert _exists(theirs)
    finally:
        other.communicate("", timeout=60)
    assert not _exists(theirs)
