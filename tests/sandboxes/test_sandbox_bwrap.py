"""bwrap specifics: the host-/usr fallback keeps the same guarantees, and limits are reported."""

from __future__ import annotations

import pytest

from locogym.sandboxes.bwrap import BwrapSandbox

pytestmark = pytest.mark.bwrap


def test_host_system_fallback_is_read_only_and_minimal(bwrap_available: None) -> None:
    box = BwrapSandbox(system="host")
    try:
        assert box.info().detail["system"] == "host /usr"
        assert box.exec(["/usr/bin/python3", "-c", "print(6 * 7)"]).stdout == "42\n"
        passwd = box.exec(["cat", "/etc/passwd"]).stdout
        assert [line.split(":")[0] for line in passwd.splitlines()] == ["root", "sandbox"]
        assert box.exec(["sh", "-c", "echo x > /etc/evil"]).exit_code != 0
        assert box.exec(["sh", "-c", "echo x > /usr/evil"]).exit_code != 0
        assert box.exec(["ls", "/root"]).exit_code != 0  # not bound at all
        assert box.exec(["id", "-u"]).stdout.strip() == "1000"
    finally:
        box.close()


def test_limits_are_reported_and_the_temp_folder_goes_away(bwrap_available: None) -> None:
    box = BwrapSandbox(memory="300m", pids=50)
    root = box.root
    detail = box.info().detail
    assert detail["memory_bytes"] == 300 * 1024**2 and detail["pids"] == 50 and detail["network"] == "none"
    interfaces = box.exec(["sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1"]).stdout.split()
    assert interfaces == ["lo"]  # a network namespace of its own, with only loopback
    box.close()
    assert not root.exists()
