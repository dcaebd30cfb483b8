"""The trajectory seal check on files written here: a sealed file checks out, and any change to a line, to the
end record or to the key does not; a file without a readable end line has no seal at all."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from locogym.core.errors import DataError
from locogym.core.types import dumps
from locogym.harness.seal import SealCheck, check_seal

KEY = b"k" * 32


def _sealed(lines: list[dict[str, object]], end: dict[str, object], key: bytes = KEY) -> bytes:
    """A file the way the recorder writes it: each line fed to the HMAC, then the end record without its seal."""
    body = b"".join(dumps(line) + b"\n" for line in lines)
    mac = hmac.new(key, body + dumps(end) + b"\n", hashlib.sha256)
    return body + dumps({**end, "seal": mac.hexdigest()}) + b"\n"


def _check(tmp_path: Path, data: bytes, key: bytes = KEY) -> SealCheck:
    path = tmp_path / "t.jsonl"
    path.write_bytes(data)
    return check_seal(path, key)


LINES: list[dict[str, object]] = [{"kind": "start", "seed": 1}, {"kind": "step", "n": 0}]
END: dict[str, object] = {"kind": "end", "success": 1.0}


def test_a_sealed_file_checks_out_with_or_without_its_last_newline(tmp_path: Path) -> None:
    data = _sealed(LINES, END)
    check = _check(tmp_path, data)
    assert check.ok and check.recorded == check.computed
    assert _check(tmp_path, data.rstrip(b"\n")).ok


def test_any_edit_or_another_key_breaks_the_seal(tmp_path: Path) -> None:
    data = _sealed(LINES, END)
    assert not _check(tmp_path, data.replace(b'"n":0', b'"n":1')).ok
    assert not _check(tmp_path, data.replace(b'"success":1.0', b'"success":0.0')).ok  # the end record too
    assert not _check(tmp_path, data, key=b"x" * 32).ok
    dropped = b"".join(line + b"\n" for line in data.split(b"\n")[1:] if line)
    assert not _check(tmp_path, dropped).ok
    assert _check(tmp_path, data.replace(b'"n":0', b'"n":1')).recorded is not None


@pytest.mark.parametrize("data", [b"", b"\n", b'{"kind": "step"}\n', b"not json\n", b"[1, 2]\n",
                                  b'{"kind": "step"}\n{"kind": "start"}\n'])
def test_without_a_readable_end_line_there_is_no_seal(tmp_path: Path, data: bytes) -> None:
    assert _check(tmp_path, data) == SealCheck(None, None)


def test_an_end_line_without_a_string_seal_is_unsealed(tmp_path: Path) -> None:
    unsealed = _check(tmp_path, dumps(LINES[0]) + b"\n" + dumps(END) + b"\n")
    assert unsealed.recorded is None and unsealed.computed is not None and not unsealed.ok
    odd = _check(tmp_path, dumps({**END, "seal": 5}) + b"\n")
    assert odd.recorded is None and not odd.ok


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        check_seal(tmp_path / "missing.jsonl", KEY)
