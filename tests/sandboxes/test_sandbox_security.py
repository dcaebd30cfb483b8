"""Escape attempts against the isolated backends. Each test fails if the isolation it checks breaks, and checks
that the host is unchanged and the sandbox still answers afterwards."""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from locogym.core.types import ErrorKind
from locogym.sandboxes.base import PathOutsideWorkspace, Sandbox

LIMITS = {"memory": "256m", "pids": 64, "file_size": "32m"}
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=[pytest.param("bwrap", marks=pytest.mark.bwrap),
                                        pytest.param("docker", marks=pytest.mark.docker)])
def box(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "docker":
        request.getfixturevalue("docker_engine")
        from locogym.sandboxes.docker import DockerSandbox as Backend
    else:
        request.getfixturevalue("bwrap_available")
        from locogym.sandboxes.bwrap import BwrapSandbox as Backend  # type: ignore[assignment]
    sandbox = Backend(**LIMITS)
    yield sandbox
    sandbox.close()


@pytest.fixture()
def ws(box: Sandbox) -> Sandbox:
    box.clear_workspace()
    return box


def _alive(box: Sandbox) -> None:
    assert box.exec(["echo", "alive"]).stdout == "alive\n"


def _host_processes_with(argument: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and argument.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                found.append(int(name))
        except OSError:
            continue
    return found


def test_writes_outside_the_workspace_fail_and_the_host_is_unchanged(ws: Sandbox, tmp_path: Path) -> None:
    target = tmp_path / "pwned.txt"
    for path in (str(target), "/etc/pwned", "/usr/pwned", str(PROJECT / "pwned.txt")):
        result = ws.exec(["sh", "-c", f"echo pwned > '{path}'"])
        assert result.exit_code != 0, f"writing {path} from inside succeeded"
    assert not target.exists() and not (PROJECT / "pwned.txt").exists()
    with pytest.raises(PathOutsideWorkspace):
        ws.write_file(str(target), "pwned")
    _alive(ws)


def test_host_only_files_cannot_be_read(ws: Sandbox, tmp_path: Path) -> None:
    secret = secrets.token_hex(16)
    markers = [tmp_path / "marker.txt", PROJECT / f".marker-{secret[:8]}"]
    try:
        for marker in markers:
            marker.write_text(secret)
            result = ws.exec(["cat", str(marker)])
            assert result.exit_code != 0 and secret not in result.stdout, f"{marker} was readable inside"
        home = ws.exec(["sh", "-c", f"ls -a {Path.home()} 2>&1; ls -a /root 2>&1"])
        assert secret not in home.stdout
    finally:
        for marker in markers:
            marker.unlink(missing_ok=True)


def test_no_connection_reaches_a_listener_on_the_host_loopback(ws: Sandbox) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):  # the listener works from the host
            pass
        stop_wait = 0
        while not accepted and stop_wait < 20:
            threading.Event().wait(0.05)
            stop_wait += 1
        host_hits = len(accepted)
        assert host_hits == 1
        probe = ("import socket,sys\nfor host in ('127.0.0.1', 'localhost', socket.gethostname()):\n"
                 f"    try:\n        socket.create_connection((host, {port}), timeout=2); print('CONNECTED')\n"
                 "    except OSError as exc:\n        print('refused', exc)\n")
        result = ws.exec(["python3", "-c", probe], timeout=15)
        assert "CONNECTED" not in result.stdout, result.stdout
        threading.Event().wait(0.3)
        assert len(accepted) == host_hits, "the listener on the host accepted a connection from the sandbox"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def test_fork_bomb_hits_the_pids_limit_and_leaves_nothing(ws: Sandbox) -> None:
    bomb = ("import os, time\nn = 0\nwhile n < 5000:\n    try:\n        pid = os.fork()\n    except OSError:\n"
            "        break\n    if pid == 0:\n        time.sleep(31337)\n        os._exit(0)\n    n += 1\nprint(n)\n")
    result = ws.exec(["python3", "-c", bomb], timeout=60)
    assert result.exit_code == 0, result.stderr
    assert int(result.stdout) < 100, f"{result.stdout.strip()} processes started: the pids limit did not hold"
    ws.exec(["sh", "-c", "b() { b | b & }; b; sleep 2"], timeout=3)
    left = ws.exec(["sh", "-c", "ls -d /proc/[0-9]* | wc -l"]).stdout
    assert int(left) <= 6, f"{left.strip()} processes survived the fork bomb"
    assert not _host_processes_with("31337")
    _alive(ws)


def test_memory_bomb_is_killed(ws: Sandbox) -> None:
    result = ws.exec(["python3", "-c", "data = b'x' * (1536 * 1024 * 1024); print(len(data))"], timeout=60)
    assert result.exit_code != 0 and "1610612736" not in result.stdout, "1.5 GB fit under a 256 MB limit"
    _alive(ws)


def test_endless_loop_times_out(ws: Sandbox) -> None:
    result = ws.exec(["python3", "-c", "while True: pass"], timeout=1)
    assert result.timed_out and result.error_kind == ErrorKind.timeout
    _alive(ws)


def test_endless_output_is_stopped_and_marked(ws: Sandbox) -> None:
    result = ws.exec(["sh", "-c", "cat /dev/zero | tr '\\0' x"], timeout=30)
    assert result.truncated and result.error_kind == ErrorKind.output_limit
    assert len(result.stdout) < 2 * ws.output_limit  # type: ignore[attr-defined]
    _alive(ws)


def test_symlink_to_a_host_file_is_useless(ws: Sandbox, tmp_path: Path) -> None:
    secret = secrets.token_hex(16)
    marker = tmp_path / "secret.txt"
    marker.write_text(secret)
    ws.exec(["ln", "-s", str(marker), "link"])
    ws.exec(["ln", "-s", str(tmp_path), "dirlink"])
    assert secret not in ws.exec(["cat", "link"]).stdout
    for call in (lambda: ws.read_file("link"), lambda: ws.write_file("link", "x"),
                 lambda: ws.write_file("dirlink/new.txt", "x"), lambda: ws.read_file("dirlink/secret.txt")):
        with pytest.raises(PathOutsideWorkspace):
            call()
    assert marker.read_text() == secret and sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt"]


def test_host_environment_is_not_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         box: Sandbox) -> None:
    secret = "sk-test-" + secrets.token_hex(16)
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    fresh = type(box)(**LIMITS)  # started after the key was planted
    try:
        seen = fresh.exec(["sh", "-c", "env; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'"])
        assert secret not in seen.stdout and "OPENAI_API_KEY" not in seen.stdout
        assert fresh.exec(["sh", "-c", "echo $OPENAI_API_KEY"], env={"OPENAI_API_KEY": "task"}).stdout == "task\n"
    finally:
        fresh.close()


def test_huge_file_is_stopped_by_the_file_size_limit(ws: Sandbox) -> None:
    result = ws.exec(["dd", "if=/dev/zero", "of=big", "bs=1M", "count=1024"], timeout=60)
    assert result.exit_code != 0, "a 1 GB file was written past a 32 MB limit"
    size = ws.exec(["stat", "-c", "%s", "big"]).stdout.strip()
    assert int(size or 0) <= 32 * 1024 * 1024
    with pytest.raises(OSError):
        ws.write_file("big2", b"x" * (40 * 1024 * 1024))
    _alive(ws)


def test_processes_do_not_outlive_their_call(ws: Sandbox) -> None:
    ws.exec(["sh", "-c", "sleep 31338 & echo started"])
    ws.exec(["setsid", "sleep", "31338"], timeout=1)
    ws.exec(["python3", "-c", "import os, subprocess\nif os.fork() == 0:\n    os.setsid()\n"
                              "    subprocess.Popen(['sleep', '31338'])\n    os._exit(0)\n"])
    listing = ws.exec(["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"]).stdout
    assert "31338" not in listing.replace("cat /proc", ""), listing
    assert not _host_processes_with("31338")
