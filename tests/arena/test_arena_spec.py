"""Arena flags are checked before anything slow (the project's own test suite) runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym.core.errors import ConfigError
from locogym.harness.arena import load_spec


def test_an_unknown_agent_is_refused_before_the_project_tests_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Unknown agent 'nosuch'.*Fix: Use a baseline"):
        load_spec("patch", tmp_path, ["noop", "nosuch"])
    assert load_spec("review", tmp_path, ["noop", "openai/gpt-4o"]).agents == ["noop", "openai/gpt-4o"]
