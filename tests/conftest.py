"""Shared fixtures. Docker and bubblewrap tests skip where the engine is missing, but fail in CI (CI=true)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# the shared test data sits beside the repository; LOCOGYM_SHARED_DATA points elsewhere (another checkout)
SHARED_DATA = Path(os.environ.get("LOCOGYM_SHARED_DATA")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "data")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing(what: str, why: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI but unavailable: {why}")
    pytest.skip(f"{what} unavailable: {why}")


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """Require a running Docker engine and the built sandbox image (fails in CI, skips elsewhere)."""
    if shutil.which("docker") is None:
        _missing("Docker", "the docker client is not installed")
    probe = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if probe.returncode != 0:
        _missing("Docker", f"the engine is not running ({probe.stderr.strip()[:200]})")
    from locogym.sandboxes.image import default_recipe, docker_client, image_exists

    try:
        tag = default_recipe().tag
    except Exception as exc:  # noqa: BLE001 - no Debian mirror configured: the image cannot have been built here
        _missing("The sandbox image", f"its recipe cannot be read ({exc})")
    if not image_exists(docker_client(), tag):
        _missing("The sandbox image", f"{tag} is not built (run `locogym sandbox build`)")


@pytest.fixture(scope="session")
def bwrap_available() -> None:
    """Require bubblewrap with working user namespaces (fails in CI, skips elsewhere)."""
    if shutil.which("bwrap") is None:
        _missing("bubblewrap", "bwrap is not installed")
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-all", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        _missing("bubblewrap", probe.stderr.strip()[:200])


@pytest.fixture(scope="session")
def hotpotqa_sample() -> Path:
    """The shared HotpotQA sample (real data); skipped with a reason when the shared folder is absent."""
    folder = SHARED_DATA / "hotpotqa_sample"
    if not (folder / "hotpotqa_train.json").exists():
        pytest.skip(f"the shared HotpotQA sample is not present at {folder} (it sits beside the repository)")
    return folder
