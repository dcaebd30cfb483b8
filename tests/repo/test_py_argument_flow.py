"""``argument`` questions on real-shaped Python: methods, values the start works out, and calls that return
nothing."""

from __future__ import annotations

from locogym.scenarios.repo import questions
from locogym.scenarios.repo.index import CodeIndex

FLOW = {
    "flow/__init__.py": "",
    "flow/store.py": (
        "class Store:\n"
        "    def __init__(self, capacity):\n        self.capacity = capacity\n\n"
        "    def put(self, key, value):\n        self.last = (key, value)\n\n\n"
        "def normalise(text):\n    return text.strip().lower()\n"
    ),
    "flow/api.py": (
        "from flow.store import Store, normalise\n\n\n"
        "def _sized(limit):\n    return Store(limit * 4)\n\n\n"
        "def remember(name: str = 'Alpha '):\n"
        "    store = _sized(3)\n    store.put(normalise(name), 1)\n\n\n"
        "def flag(on: bool = True):\n    return _sized(2) if on else None\n\n\n"
        "def same(size: int = 7):\n    return Store(size)\n"
    ),
}


def _argument_keys() -> tuple[CodeIndex, list[tuple]]:
    index = CodeIndex.build(FLOW, use_cache=False)
    return index, questions.question_keys(index, "argument", 3, FLOW)


def test_a_method_reached_through_another_function_asks_its_first_parameter_after_self() -> None:
    index, keys = _argument_keys()
    key = ("argument", "flow.api.remember", "flow.store.Store.__init__", ())
    assert key in keys  # remember returns None: the call's value is no answer, the argument on the way is
    q = questions.build(index, key, "literal", FLOW)
    assert q is not None and q.gold == 12 and "`capacity`" in q.text and "only through other functions" in q.text


def test_a_direct_call_is_asked_only_with_a_value_the_start_works_out() -> None:
    index, keys = _argument_keys()
    put = ("argument", "flow.api.remember", "flow.store.Store.put", ())
    assert put in keys  # the key is normalise(name): worked out, written nowhere
    q = questions.build(index, put, "literal", FLOW)
    assert q is not None and q.gold == "alpha" and "`key`" in q.text and "a value it works out" in q.text
    # remember writes the literal 3 for _sized; same hands its own argument on; Store(2) is a literal too
    assert ("argument", "flow.api.remember", "flow.api._sized", ()) not in keys
    assert not any(k[1] == "flow.api.same" for k in keys)
    assert ("argument", "flow.api.flag", "flow.api._sized", ()) not in keys


def test_a_value_handed_on_unchanged_or_a_bool_is_not_asked() -> None:
    files = {
        "g/__init__.py": "",
        "g/inner.py": "def deep(x):\n    return x\n\n\ndef check(ok):\n    return ok\n",
        "g/mid.py": "from g.inner import deep, check\n\n\ndef pass_on(v):\n    return deep(v), check(v > 1)\n",
        "g/top.py": "from g.mid import pass_on\n\n\ndef start(v: int = 5):\n    return pass_on(v)\n",
    }
    index = CodeIndex.build(files, use_cache=False)
    keys = questions.question_keys(index, "argument", 3, files)
    assert not any(k[2] in {"g.inner.deep", "g.inner.check"} for k in keys)  # 5 is the start's own; True a coin


def test_a_value_read_from_the_host_is_no_answer() -> None:
    import platform
    import sys

    from locogym.scenarios.repo.run_questions import host_bound

    assert host_bound(platform.python_version()) and host_bound(tuple(sys.version_info)[:3])
    assert host_bound(f"cp{sys.version_info.major}{sys.version_info.minor}-{sys.platform}")
    assert not host_bound("utf-8") and not host_bound(12) and not host_bound(("a", 1))


def test_a_call_that_reads_the_standard_streams_is_not_asked() -> None:
    from locogym.scenarios.repo import literal_runs

    files = {"s/__init__.py": "", "s/io.py": (
        "import sys\n\n\ndef encoding(default: str = 'ascii'):\n    return sys.stdin.encoding or default\n\n\n"
        "def shout(word: str = 'hey'):\n    print(word)\n    return word.upper()\n\n\n"
        "def calm(word: str = 'hey'):\n    return word.title()\n")}
    calls = [("s.io", "encoding", ()), ("s.io", "shout", ()), ("s.io", "calm", ())]
    ran = literal_runs.run_calls(files, calls)
    assert set(ran) == {("s.io", "calm", ())}  # how the process was started is no fact of the files
