"""The built-in families are registered by name and imported on first use, and Gymnasium sees them whichever of
the two packages is imported first."""

from __future__ import annotations

import subprocess
import sys

import pytest

from locogym.core.errors import ConfigError
from locogym.envs import env_class, env_ids, families, register_family, unregister_family
from locogym.envs.registry import BUILTIN_FAMILIES


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_every_builtin_name_points_at_the_class_that_declares_that_id() -> None:
    assert tuple(BUILTIN_FAMILIES) == env_ids()[:len(BUILTIN_FAMILIES)]
    for env_id, cls in families().items():
        if env_id in BUILTIN_FAMILIES:
            assert cls.env_id == env_id
            assert BUILTIN_FAMILIES[env_id] == f"{cls.__module__}:{cls.__qualname__}"


def test_importing_locogym_loads_no_family_and_no_gymnasium() -> None:
    out = _run("import sys, locogym\n"
               "print(sorted(m for m in sys.modules if m == 'gymnasium' or m.startswith('locogym.envs.')))\n"
               "print(locogym.env_ids())")
    loaded, ids = out.splitlines()
    assert loaded == "['locogym.envs.registry']"
    assert ids == repr(tuple(BUILTIN_FAMILIES))


@pytest.mark.parametrize("order", ["import locogym, gymnasium as gym", "import gymnasium as gym, locogym"])
def test_gym_make_finds_a_builtin_whichever_package_is_imported_first(order: str) -> None:
    out = _run(f"{order}\nenv = gym.make('LoCo-FuncCall-v0')\nprint(type(env.unwrapped).__name__)\n"
               "print(sorted(i for i in gym.registry if i.startswith('LoCo-')))")
    name, ids = out.splitlines()
    assert name == "FuncCallEnv"
    assert ids == repr(sorted(BUILTIN_FAMILIES))


def test_env_class_loads_one_family_and_registering_it_again_is_a_no_op() -> None:
    out = _run("import sys\nfrom locogym.envs import env_class, register_family\n"
               "cls = env_class('LoCo-WikiHop-v0')\nregister_family(cls)\n"
               "print(cls.__name__, sorted(m for m in sys.modules if m in "
               "('locogym.envs.wiki', 'locogym.envs.repo', 'locogym.envs.funccall')))")
    assert out == "WikiHopEnv ['locogym.envs.wiki']"


def test_a_builtin_id_cannot_be_taken_by_another_class() -> None:
    from locogym.envs.base import LocoEnv

    cls = type("Impostor", (LocoEnv,), {"env_id": "LoCo-Repo-v0", "family": "x", "summary": "y"})
    with pytest.raises(ConfigError, match="already registered by locogym.envs.repo:RepoEnv"):
        register_family(cls)
    assert env_class("LoCo-Repo-v0").__name__ == "RepoEnv"


def test_an_unregistered_builtin_is_gone_from_both_registries() -> None:
    import gymnasium as gym

    target = BUILTIN_FAMILIES["LoCo-WikiHop-v0"]
    cls = env_class("LoCo-WikiHop-v0")
    unregister_family("LoCo-WikiHop-v0")
    try:
        assert "LoCo-WikiHop-v0" not in env_ids() and "LoCo-WikiHop-v0" not in gym.registry
        with pytest.raises(ConfigError, match="Unknown environment"):
            env_class("LoCo-WikiHop-v0")
    finally:
        register_family(cls)
    assert "LoCo-WikiHop-v0" in gym.registry and target.endswith(cls.__qualname__)
