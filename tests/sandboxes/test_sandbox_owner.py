"""Cleanup removes a container only when its owner has provably ended: never a live run's, whatever its pid."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

from locogym.sandboxes.owner import Owner, current_owner, gone_because, owner_from_labels, start_time


def _labels(owner: Owner) -> dict[str, str]:
    return owner.labels()


def test_the_labels_name_this_process_and_read_back() -> None:
    me = current_owner()
    assert me.pid == os.getpid() and me.start == start_time(os.getpid()) and me.boot and me.pidns
    assert owner_from_labels(_labels(me)) == me
    assert gone_because(_labels(me)) is None  # this very process is alive


def test_a_live_process_of_another_run_is_never_gone() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as other:
        try:
            owner = replace(current_owner(), pid=other.pid, start=start_time(other.pid))
            assert gone_because(_labels(owner)) is None
        finally:
            other.kill()
    assert gone_because(_labels(owner)) == "the process has ended"


def test_a_reused_pid_does_not_keep_a_dead_owner_alive() -> None:
    me = current_owner()
    earlier = replace(me, start=str(int(me.start) - 1))  # the same pid, started at another time: not this process
    assert gone_because(_labels(earlier)) == "the process has ended (its pid now belongs to another process)"


def test_what_cannot_be_proven_counts_as_alive() -> None:
    me = current_owner()
    dead_pid = replace(me, pid=2**22 + 7, start="1")  # no such pid here...
    assert gone_because(_labels(dead_pid)) == "the process has ended"
    assert gone_because(_labels(replace(dead_pid, pidns="pid:[1]"))) is None  # ...but it ran in another namespace
    assert gone_because(_labels(replace(dead_pid, host="elsewhere"))) is None  # ...or on another machine
    old_style = {k: v for k, v in _labels(dead_pid).items() if not k.endswith(("-boot", "-pidns", "-start"))}
    assert gone_because(old_style) is None  # labels from before owners carried a whole identity
    assert gone_because(_labels(replace(dead_pid, boot="another-boot"))) == "the machine restarted since"
    assert gone_because(_labels(dead_pid), me=replace(me, start="")) is None  # our /proc tells nothing


def test_a_forked_worker_is_an_owner_of_its_own() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, current_owner().token.encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 4096).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child.split("/")[3] == str(pid) and child != current_owner().token
