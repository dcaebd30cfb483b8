// Independent check of TS/JS return_value questions in bench/repo_gold.py: each call is made again on a plain
// CommonJS transpile of the whole tree (no probes), and its value printed.
//
//   node tscalls.js TYPESCRIPT_MODULE_DIR SOURCE_ROOT OUT_DIR CALLS_JSON
//
// CALLS_JSON: [[file, exported name, [args...], watch?], ...], ``watch`` a [file, line] of a function (its
// first source line): then the call's answer is that function's first argument the first time it is entered,
// noted by one statement inserted in that function alone. Prints JSON: per call {value} or {error}.
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
const watched = new Set(calls.filter((c) => c[3]).map((c) => `${c[3][0]}:${c[3][1]}`));
function watch(file) {
  return (ctx) => (sf) => {
    const visit = (node) => {
      const line = ts.isFunctionLike(node) && node.body && node.pos >= 0 ?
        sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 : 0;
      const key = `${file}:${line}`;
      if (!line || !watched.has(key) || !ts.isBlock(node.body)) return ts.visitEachChild(node, visit, ctx);
      const first = node.parameters.find((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"));
      const arg = first && ts.isIdentifier(first.name) ? first.name.text : "undefined";
      const note = ts.factory.createExpressionStatement(ts.factory.createCallExpression(
        ts.factory.createIdentifier("__goldWatch"), undefined,
        [ts.factory.createStringLiteral(key), ts.factory.createIdentifier(arg)]));
      return ts.visitEachChild(node, (child) => child === node.body ? ts.factory.updateBlock(
        child, [note, ...ts.visitEachChild(child, visit, ctx).statements]) : visit(child), ctx);
    };
    return ts.visitNode(sf, visit);
  };
}
const seen = { key: null, done: false, value: undefined };
globalThis.__goldWatch = (key, value) => {
  if (key === seen.key && !seen.done) Object.assign(seen, { done: true, value });
};
for (const file of sources) {
  const rel = path.relative(root, file).replace(SOURCE, ".js");
  const result = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    fileName: file, transformers: { before: [watch(path.relative(root, file).split(path.sep).join("/"))] },
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

const answers = calls.map(([file, name, args, target]) => {
  try {
    Object.assign(seen, { key: target ? `${target[0]}:${target[1]}` : null, done: false, value: undefined });
    const value = require(path.join(out, file.replace(SOURCE, ".js")))[name](...args);
    if (target && !seen.done) return { error: "the watched function was not entered" };
    return { value: target ? seen.value : value };
  } catch (err) {
    return { error: String(err && err.message).split("\n")[0] };
  }
});
process.stdout.write(JSON.stringify(answers));
