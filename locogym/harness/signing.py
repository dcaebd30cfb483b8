"""Signed runs: a lab's Ed25519 signature over a run folder's sealed plan and every row.

The seal (:mod:`locogym.harness.grid`, the trajectory seals) shows that a plan, its rows and their trajectories
were not edited apart from one another; keyed by a public constant, it says nothing about *who* made the run, and
keyed by a seed salt, only the salt's holder can check it. A signature answers the other question: the lab keeps a
private key, publishes the public one, and anyone can check that ``tournament.json`` and ``episodes.jsonl`` are
byte for byte what the lab signed. Each row carries its trajectory's seal, so a signed row also fixes its file.

    locogym sign keygen lab.key            # lab.key (private, mode 600) and lab.key.pub
    locogym sign run runs/main --key lab.key
    locogym score runs/main --verify lab.key.pub
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from locogym.core.errors import ConfigError
from locogym.harness.rundir import RunDir

SIGNATURE = "signature.json"
SIGNED_FILES = ("tournament.json", "episodes.jsonl")
SCHEME = "locogym-run-signature-v1"


@dataclass(frozen=True)
class Verdict:
    """What checking a run's signature found: ``ok``, or the reasons it does not hold."""

    problems: tuple[str, ...]
    signer: str | None = None  # the public key's fingerprint, when the signature file names one

    @property
    def ok(self) -> bool:
        return not self.problems


def keygen(path: str | Path) -> tuple[Path, Path]:
    """Write a new private key to ``path`` (PEM, readable by its owner only) and its public key to ``path.pub``.

    Raises:
        ConfigError: ``path`` exists (a key is never overwritten).
    """
    private_path = Path(path)
    if private_path.exists():
        raise ConfigError(f"{private_path} exists; a signing key is never overwritten.",
                          fix="Choose another path, or remove the old key yourself if it is no longer needed.")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public_path = private_path.with_name(private_path.name + ".pub")
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def sign_run(run_dir: str | Path, key_path: str | Path) -> Path:
    """Sign the run folder's plan and rows as they are now; write ``signature.json`` beside them.

    Sign after the run has finished (and again after a resumed run adds rows): the signature covers the exact bytes.

    Raises:
        ConfigError: the key cannot be read as an Ed25519 private key, or the folder has no plan or no rows.
    """
    run = RunDir(run_dir)
    key = _private_key(Path(key_path))
    digests = _digests(run.path)
    public = key.public_key()
    record = {"scheme": SCHEME, "files": digests, "signer": _fingerprint(public),
              "public_key": _public_pem(public).decode()}
    record["signature"] = base64.b64encode(key.sign(_message(digests))).decode()
    target = run.path / SIGNATURE
    tmp = target.with_suffix(".json.tmp")
    tmp.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    tmp.replace(target)
    return target


def verify_run(run_dir: str | Path, public_key_path: str | Path) -> Verdict:
    """Check ``signature.json`` against the public key the lab published (never the key inside the file).

    Raises:
        ConfigError: the public key cannot be read as an Ed25519 public key.
    """
    public = _public_key(Path(public_key_path))
    path = Path(run_dir) / SIGNATURE
    if not path.exists():
        return Verdict(problems=(f"the run folder has no {SIGNATURE}: it was never signed",))
    try:
        record = orjson.loads(path.read_bytes())
        signature = base64.b64decode(record["signature"], validate=True)
        signed = dict(record["files"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        return Verdict(problems=(f"{SIGNATURE} cannot be read: {exc}",))
    problems = []
    try:
        public.verify(signature, _message(signed))
    except InvalidSignature:
        problems.append("the signature was not made by this key over the digests it lists")
    try:
        current = _digests(Path(run_dir))
    except ConfigError as exc:
        return Verdict(problems=(*problems, exc.message), signer=_fingerprint(public))
    problems += [f"{name} changed since it was signed" for name in SIGNED_FILES if current[name] != signed.get(name)]
    return Verdict(problems=tuple(problems), signer=_fingerprint(public))


def _digests(root: Path) -> dict[str, str]:
    missing = [name for name in SIGNED_FILES if not (root / name).is_file()]
    if missing:
        raise ConfigError(f"{root} has no {' and no '.join(missing)}: there is no run to sign or check.",
                          fix="Point at a tournament's run folder (its --out) after it has run.")
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in SIGNED_FILES}


def _message(digests: dict[str, str]) -> bytes:
    return orjson.dumps({"scheme": SCHEME, "files": {name: digests.get(name) for name in SIGNED_FILES}},
                        option=orjson.OPT_SORT_KEYS)


def _private_key(path: Path) -> Ed25519PrivateKey:
    key = _read_key(path, "private", lambda data: serialization.load_pem_private_key(data, password=None),
                    fix="Pass the private key file `locogym sign keygen` wrote (PEM, unencrypted).")
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key.",
                          fix="Make one with `locogym sign keygen PATH`.")
    return key


def _public_key(path: Path) -> Ed25519PublicKey:
    key = _read_key(path, "public", serialization.load_pem_public_key,
                    fix="Pass the lab's published .pub file (PEM), as `locogym sign keygen` wrote it.")
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} holds a {type(key).__name__}, not an Ed25519 public key.",
                          fix="Pass the .pub file `locogym sign keygen` wrote.")
    return key


def _read_key(path: Path, kind: str, load: Callable[[bytes], object], fix: str) -> object:
    try:
        return load(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"Cannot read a {kind} key from {path}: {exc}.", fix=fix) from None


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
