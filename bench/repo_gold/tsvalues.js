// Independent value check of JS/TS setting questions in bench/repo_gold.py: the module is run, not read.
//
//   node tsvalues.js TYPESCRIPT_MODULE_DIR SOURCE_ROOT OUT_DIR ASKS_JSON
//
// Every source file is transpiled to CommonJS with the TypeScript compiler (`transpileModule`: syntax only, no
// type information) into OUT_DIR, then each asked module is `require`d and the asked export (`NAME`) or key of
// an exported object (`obj.key`) is read from the loaded module. Packages outside the source (dependencies, which
// are not installed) load as inert stand-ins, so a module's own top-level code runs as far as it can; a value
// that depended on one would show up as a dispute. Modules load with an empty `process.env`. Prints JSON: {"module\u0000name": {value} | {error}}.
"use strict";
const path = require("path");
const fs = require("fs");
const Module = require("module");
const ts = require(process.argv[2]);
const root = path.resolve(process.argv[3]);
const out = path.resolve(process.argv[4]);
const asks = JSON.parse(fs.readFileSync(process.argv[5], "utf8"));

const sources = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(ts|tsx|js|jsx|cjs)$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) sources.push(full);
  }
})(root);
// a .ts file and a .js file of the same stem: the TypeScript one is the source
sources.sort((a, b) => (/\.tsx?$/.test(a) ? 1 : 0) - (/\.tsx?$/.test(b) ? 1 : 0));
for (const file of sources) {
  const rel = path.relative(root, file).replace(/\.(ts|tsx|js|jsx|cjs)$/, ".js");
  const result = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true,
      jsx: ts.JsxEmit.React },
  });
  fs.mkdirSync(path.join(out, path.dirname(rel)), { recursive: true });
  fs.writeFileSync(path.join(out, rel), result.outputText);
}
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify({ type: "commonjs" }));

function standIn() {
  const target = function () {};
  const proxy = new Proxy(target, {
    get: (_, key) => (key === Symbol.toPrimitive ? () => "" : key === "then" ? undefined : proxy),
    apply: () => proxy,
    construct: () => proxy,
  });
  return proxy;
}
const originalRequire = Module.prototype.require;
Module.prototype.require = function (spec) {
  try {
    return originalRequire.call(this, spec);
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND" && !spec.startsWith(".") && !spec.startsWith("/")) return standIn();
    throw err;
  }
};

// Environment defaults (`process.env.X ?? literal`) are asked with an empty environment: the modules must not see
// the bench's own variables.
for (const name of Object.keys(process.env)) delete process.env[name];

// Bundlers replace `__DEV__` at build time; here it is a global, so modules that read it at load time run.
globalThis.__DEV__ = true;

const answers = {};
for (const [module, name] of asks) {
  const key = `${module}\u0000${name}`;
  try {
    const loaded = require(path.join(out, module));
    const [head, member] = name.split(".");
    let value = loaded[head];
    if (member !== undefined) value = value === undefined || value === null ? undefined : value[member];
    answers[key] = ["string", "number", "boolean"].includes(typeof value) ? { value } : { error: `a ${typeof value}` };
  } catch (err) {
    answers[key] = { error: String(err && err.message).split("\n")[0] };
  }
}
process.stdout.write(JSON.stringify(answers));
