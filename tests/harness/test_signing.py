"""A lab signs a run folder with its Ed25519 key; `locogym score --verify` accepts exactly what was signed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from locogym.cli import app
from locogym.core.errors import ConfigError
from locogym.harness.signing import keygen, sign_run, verify_run
from tests.harness.test_rescore_regrade import FUNC, make_run, said

runner = CliRunner()


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A finished run signed by a lab's key: (run folder, private key, public key)."""
    root = tmp_path_factory.mktemp("signed")
    run = make_run(root / "run", ["noop", "oracle"], [FUNC])
    private, public = keygen(root / "lab.key")
    sign_run(run, private)
    return run, private, public


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "copy"))


def test_a_signed_run_verifies_and_score_says_who_signed_it(signed: tuple[Path, Path, Path]) -> None:
    run, private, public = signed
    assert verify_run(run, public).ok
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    result = runner.invoke(app, ["score", str(run), "--verify", str(public)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "signed by ed25519:" in said(result) and "all 2 re-graded episodes match" in said(result)


def test_a_changed_row_breaks_the_signature(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    run, _, public = signed
    copy = _copy(run, tmp_path)
    rows = (copy / "episodes.jsonl").read_text().splitlines()
    (copy / "episodes.jsonl").write_text("\n".join(rows[:1]) + "\n")  # a failing row dropped, as a cheat would
    verdict = verify_run(copy, public)
    assert verdict.problems == ("episodes.jsonl changed since it was signed",)
    result = runner.invoke(app, ["score", str(copy), "--verify", str(public)], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "not signed by" in said(result)


def test_a_re_signature_by_another_key_does_not_pass_for_the_lab(signed: tuple[Path, Path, Path],
                                                                  tmp_path: Path) -> None:
    run, _, public = signed
    copy = _copy(run, tmp_path)
    forger, _ = keygen(tmp_path / "forger.key")
    (copy / "tournament.json").write_text((copy / "tournament.json").read_text().replace('"grid"', '"grid" '))
    sign_run(copy, forger)  # the digests are right again, but under the forger's key
    verdict = verify_run(copy, public)
    assert verdict.problems == ("the signature was not made by this key over the digests it lists",)


def test_an_edited_digest_list_fails_the_signature(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    run, _, public = signed
    copy = _copy(run, tmp_path)
    (copy / "episodes.jsonl").write_text((copy / "episodes.jsonl").read_text() + "\n")
    record = json.loads((copy / "signature.json").read_text())
    record["files"]["episodes.jsonl"] = hashlib.sha256((copy / "episodes.jsonl").read_bytes()).hexdigest()
    (copy / "signature.json").write_text(json.dumps(record))
    assert verify_run(copy, public).problems == ("the signature was not made by this key over the digests it lists",)


def test_an_unsigned_run_and_bad_keys_say_what_to_do(signed: tuple[Path, Path, Path], tmp_path: Path) -> None:
    run, private, public = signed
    copy = _copy(run, tmp_path)
    (copy / "signature.json").unlink()
    assert "never signed" in verify_run(copy, public).problems[0]
    with pytest.raises(ConfigError, match="public key") as caught:
        verify_run(copy, private)  # the private key where the public one belongs
    assert "keygen" in (caught.value.fix or "")
    with pytest.raises(ConfigError, match="never overwritten"):
        keygen(private)
    with pytest.raises(ConfigError, match="no run to sign"):
        sign_run(tmp_path / "empty", private)


def test_the_sign_commands_make_a_key_and_sign(tmp_path: Path, signed: tuple[Path, Path, Path]) -> None:
    run, _, _ = signed
    copy = _copy(run, tmp_path)
    made = runner.invoke(app, ["sign", "keygen", str(tmp_path / "k")])
    assert made.exit_code == 0, made.output
    done = runner.invoke(app, ["sign", "run", str(copy), "--key", str(tmp_path / "k")])
    assert done.exit_code == 0, done.output
    assert verify_run(copy, tmp_path / "k.pub").ok
