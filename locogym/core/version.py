"""The installed package's version, recorded with every run so a re-score can tell which code made a task."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The version pip installed, or ``0.0.0+local`` when running from a source tree that was not installed."""
    try:
        return version("locogym")
    except PackageNotFoundError:
        return "0.0.0+local"
