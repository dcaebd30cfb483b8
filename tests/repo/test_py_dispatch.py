"""``dispatch`` on real-shaped Python: names defined in unrelated classes, bases of the interpreter's own, and
instance attributes that hide a method."""

from __future__ import annotations

from locogym.scenarios.repo import dispatch, questions
from locogym.scenarios.repo.index import CodeIndex

TREE = {
    "z/__init__.py": "",
    "z/base.py": (
        "class Reader:\n    def read(self):\n        return 'reader'\n\n    def close(self):\n        return 0\n\n\n"
        "class Failure(Exception):\n    def describe(self):\n        return 'failure'\n"
    ),
    "z/other.py": (
        "class Archive:\n    def read(self):\n        return 'archive'\n\n    def describe(self):\n"
        "        return 'archive'\n"
    ),
    "z/leaf.py": (
        "from collections import OrderedDict\n\nfrom z.base import Failure, Reader\n\n\n"
        "class Buffered(Reader):\n    def __init__(self):\n        self.close = None\n\n\n"
        "class Missing(Failure):\n    pass\n\n\n"
        "class Ordered(OrderedDict, Reader):\n    pass\n"
    ),
}


def _keys() -> tuple[CodeIndex, list[tuple]]:
    index = CodeIndex.build(TREE, use_cache=False)
    return index, questions.question_keys(index, "dispatch", 3, TREE)


def test_a_method_whose_name_another_class_defines_is_asked_without_an_override_on_the_way() -> None:
    index, keys = _keys()
    assert ("dispatch", "z.leaf.Buffered", "read") in keys  # Archive.read is a second definition of the name
    q = questions.build(index, ("dispatch", "z.leaf.Buffered", "read"), "literal", TREE)
    assert q is not None and q.gold == "z.base.Reader.read"
    # a constructor was already run by ``Buffered(...)``; a name defined once is found by its definition
    assert ("dispatch", "z.leaf.Buffered", "__init__") not in keys


def test_an_instance_attribute_that_hides_the_method_is_not_asked() -> None:
    _, keys = _keys()
    assert ("dispatch", "z.leaf.Buffered", "close") not in keys  # __init__ sets self.close


def test_bases_of_the_interpreters_own_are_asked_only_when_the_run_confirms_the_order() -> None:
    index, keys = _keys()
    assert dispatch.mro(index, "z.leaf.Missing", TREE) == ["z.leaf.Missing", "z.base.Failure"]
    assert ("dispatch", "z.leaf.Missing", "describe") in keys  # Exception defines no describe
    assert ("dispatch", "z.leaf.Ordered", "read") in keys  # OrderedDict comes first but has no read
    # a base of the standard library's that is not confirmed by a run is not asked: the module does not import
    broken = {**TREE, "z/leaf.py": TREE["z/leaf.py"].replace("from z.base", "import no_such_module\nfrom z.base")}
    index = CodeIndex.build(broken, use_cache=False)
    again = questions.question_keys(index, "dispatch", 3, broken)
    assert ("dispatch", "z.leaf.Ordered", "read") not in again and ("dispatch", "z.leaf.Buffered", "read") in again

