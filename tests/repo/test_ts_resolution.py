"""What the run-free TS/JS kinds (``dispatch``, ``call_chain``) rely on: how the index resolves names, how a long
class is cut to an excerpt, and when a class's prototype may have been patched."""

from __future__ import annotations

from locogym.scenarios.repo import ts_dispatch
from locogym.scenarios.repo.excerpts import excerpt
from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.question_base import askable

FILES = {
    "src/base.ts": "export default class Base {\n  draw() { return 1; }\n}\n",
    "src/shape.js": "class Shape {\n  draw() { return 2; }\n}\nexport default Shape;\n",
    "src/helper.ts": "export default function helper(x: number) {\n  return x + 1;\n}\n",
    "src/use.ts": ('import Base from "./base";\nimport Figure from "./shape.js";\nimport help from "./helper";\n'
                   "export class Sub extends Base {}\nexport class Other extends Figure {}\n"
                   "export function run() {\n  return help(3);\n}\n"),
    "src/anon.ts": "export default { draw() { return 3; } };\n",
}


def test_a_default_export_resolves_under_any_local_name():
    index = CodeIndex.build(FILES)
    assert "src/use.ts::Sub" in index.subclasses["src/base.ts::Base"]
    assert "src/use.ts::Other" in index.subclasses["src/shape.js::Shape"]  # `export default Shape;` after the class
    assert index.callees("src/use.ts::run") == ["src/helper.ts::helper"]
    assert "default" not in index.bindings.get("src/anon", {})  # an anonymous default export names nothing


def test_an_interface_merged_with_its_class_is_the_class():
    files = {"src/path.ts": ("export interface Path { extra: number }\n"
                             "export class Path {\n  draw() { return 1; }\n}\n"),
             "src/rect.ts": 'import { Path } from "./path";\nexport class Rect extends Path {}\n'}
    index = CodeIndex.build(files)
    assert askable(index, "src/path.ts::Path") and index.definitions["src/path.ts::Path"].kind == "class"
    assert index.subclasses["src/path.ts::Path"] == {"src/rect.ts::Rect"}


def _base_file(methods: int) -> str:
    body = "".join(f"  /** step {i} */\n  step{i}(x: number) {{\n    return x + {i};\n  }}\n\n" for i in range(methods))
    return f"export class Base {{\n  size = 1;\n  constructor() {{\n    this.size = 2;\n  }}\n\n{body}}}\n"


def test_an_excerpt_may_cut_a_long_class_to_the_members_a_question_needs():
    text = _base_file(40)
    facts = CodeIndex.build({"src/base.ts": text}).facts["src/base.ts"]
    wanted = text.splitlines().index("  step7(x: number) {") + 1
    short = excerpt(text, facts, [(wanted, wanted)], members=True)
    assert "step7(x: number)" in short and "step8" not in short and "step6" not in short
    assert "size = 1;" in short and "this.size = 2;" in short  # fields and the constructor stay
    assert short.count("not part of this excerpt") == 2  # one comment per run of cut members
    again = CodeIndex.build({"src/base.ts": short})
    assert not again.facts["src/base.ts"].error and "src/base.ts::Base.step7" in again.definitions
    assert excerpt(text, facts, [(wanted, wanted)]) == text  # without members, a kept class stays whole


def test_a_prototype_only_read_does_not_count_as_patched():
    line = ["src/b.ts::B", "src/a.ts::A"]
    files = {"src/a.ts": "export class A {\n  m() { return 1; }\n}\n",
             "src/b.ts": ('import { A } from "./a";\nexport class B extends A {\n'
                          "  m() { return A.prototype.m.call(this) + 1; }\n}\n"),
             "src/reg.ts": 'import { B } from "./b";\nexport const all = [register(B)];\n'}
    index = CodeIndex.build(files)
    assert not ts_dispatch._patched(files, line, index)  # a borrowed method, a class handed on: no write anywhere
    written = {**files, "src/mix.ts": "export function register(cls: any) {\n  cls.prototype.m = () => 0;\n}\n"}
    assert ts_dispatch._patched(written, line, CodeIndex.build(written))  # the function it is handed writes
    named = {**files, "src/patch.ts": 'import { A } from "./a";\nObject.assign(A.prototype, {});\n'}
    assert ts_dispatch._patched(named, line, CodeIndex.build(named))
