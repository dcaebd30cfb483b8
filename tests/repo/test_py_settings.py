"""Python settings are asked only when their value is one to write, not a blob to copy."""

from __future__ import annotations

from locogym.scenarios.repo import questions
from locogym.scenarios.repo.index import CodeIndex


def test_a_multi_line_setting_is_not_asked_and_a_short_one_is() -> None:
    files = {
        "conf/__init__.py": "",
        "conf/base.py": "SCRIPT = '''\\nrun() {\\n  go\\n}\\n'''\nMODE = 'fast'\n",
        "conf/local.py": "from conf.base import *\n\nSCRIPT = '''\\nrun() {\\n  stop\\n}\\n'''\nMODE = 'slow'\n",
    }
    index = CodeIndex.build(files, use_cache=False)
    keys = questions.setting_keys(index)
    assert ("setting", "conf.local", "MODE") in keys
    assert ("setting", "conf.local", "SCRIPT") not in keys
    assert questions.build(index, ("setting", "conf.local", "SCRIPT"), "literal", files) is None
