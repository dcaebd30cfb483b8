// Independent check of TS/JS return_value questions in bench/repo_gold.py: each call is made again on a plain
// CommonJS transpile of the whole tree (no probes), and its value printed.
//
//   node tscalls.js TYPESCRIPT_MODULE_DIR SOURCE_ROOT OUT_DIR CALLS_JSON
//
// CALLS_JSON: [[file, exported name, [args...]], ...]. Prints JSON: per call {value} or {error}.
"use strict";
const path = require("path");
const fs = require("fs");
const Module = require("module");
const ts = require(process.argv[2]);
const root = path.resolve(process.argv[3]);
const out = path.resolve(process.argv[4]);
const calls = JSON.parse(fs.readFileSync(process.argv[5], "utf8"));
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

const sources = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (SOURCE.test(entry.name) && !/\.d\.[mc]?ts$/.test(entry.name)) sources.push(full);
  }
})(root);
for (const file of sources) {
  const rel = path.relative(root, file).replace(SOURCE, ".js");
  const result = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  });
  fs.mkdirSync(path.join(out, path.dirname(rel)), { recursive: true });
  fs.writeFileSync(path.join(out, rel), result.outputText);
}
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify({ type: "commonjs" }));
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (err) {
    if (!request.startsWith(".") || !SOURCE.test(request)) throw err;
    return resolve.call(this, request.replace(SOURCE, ".js"), ...rest);
  }
};
globalThis.__DEV__ = true;  // as the questions say

const answers = calls.map(([file, name, args]) => {
  try {
    const value = require(path.join(out, file.replace(SOURCE, ".js")))[name](...args);
    return { value };
  } catch (err) {
    return { error: String(err && err.message).split("\n")[0] };
  }
});
process.stdout.write(JSON.stringify(answers));
