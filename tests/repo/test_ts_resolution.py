"""How the index resolves TS/JS names that the run-free TS kinds (``dispatch``, ``call_chain``) rely on."""

from __future__ import annotations

from locogym.scenarios.repo.index import CodeIndex

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
