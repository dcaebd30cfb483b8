// Independent TypeScript/JavaScript resolver of bench/repo_gold.py, on the TypeScript compiler API.
//
//   node tscheck.js TYPESCRIPT_MODULE_DIR WORKSPACE
//
// Prints JSON: "edges" — every call or `new` whose callee the type checker binds to a declaration inside the
// workspace, as {caller: [file, line] | null, callee: [file, line]}; the caller is the nearest enclosing named
// function, method (constructor and accessors included; not one with a computed name), class or variable-bound
// function (what the code index counts as a definition). "exports" —
// for every file, each exported name and the [file, line] of the declaration it finally resolves to. "members" —
// for every class, each property of its declared type and the [file, line] of the declaration that property is.
"use strict";
const path = require("path");
const fs = require("fs");
const ts = require(process.argv[2]);
const root = path.resolve(process.argv[3]);

const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(entry.name)) files.push(full);
  }
})(root);

// Resolve as the package's own build does. Under Node's rules a package.json with `"type": "module"` makes every
// file ESM, which demands written extensions: such TypeScript sources are built by bundlers, where `./x` and
// `./x.js` both reach `x.ts`. Everything else (CommonJS `require` / `exports.x =` included) resolves under Node's.
const pkgFile = path.join(root, "package.json");
const esmPackage = fs.existsSync(pkgFile) && /"type"\s*:\s*"module"/.test(fs.readFileSync(pkgFile, "utf8"));
const program = ts.createProgram(files, {
  allowJs: true, checkJs: false, noEmit: true, target: ts.ScriptTarget.ESNext, jsx: ts.JsxEmit.Preserve,
  noResolve: false, skipLibCheck: true,
  // a path written from the tree's root (`src/core/x`, a `baseUrl` build) reaches that file, as in the index
  baseUrl: root,
  module: esmPackage ? ts.ModuleKind.ESNext : ts.ModuleKind.NodeNext,
  moduleResolution: esmPackage ? ts.ModuleResolutionKind.Bundler : ts.ModuleResolutionKind.NodeNext,
});
const checker = program.getTypeChecker();
const rel = (f) => path.relative(root, f).split(path.sep).join("/");
const lineOf = (node) => node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1;

function declSite(decl) {
  // the node the code index calls a definition: a variable-bound function is its declarator
  let node = decl;
  if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
    if (node.parent && ts.isVariableDeclaration(node.parent)) node = node.parent;
  }
  const file = node.getSourceFile().fileName;
  if (!path.resolve(file).startsWith(root + path.sep)) return null;
  return [rel(file), lineOf(node)];
}

function finalSymbol(sym) {
  let seen = 0;
  while (sym && (sym.flags & ts.SymbolFlags.Alias) && seen++ < 32) sym = checker.getAliasedSymbol(sym);
  return sym;
}

function enclosing(node) {
  for (let cur = node.parent; cur; cur = cur.parent) {
    if (ts.isConstructorDeclaration(cur) || ts.isGetAccessorDeclaration(cur) || ts.isSetAccessorDeclaration(cur)) {
      return [rel(cur.getSourceFile().fileName), lineOf(cur)];  // methods of their class, as the index counts them
    }
    if (ts.isMethodDeclaration(cur) && !ts.isIdentifier(cur.name) && !ts.isPrivateIdentifier(cur.name)) {
      continue;  // `[Symbol.iterator]() {}`, `"x"() {}`: no name to call it by, so not a definition (as in the index)
    }
    if (ts.isFunctionDeclaration(cur) || ts.isMethodDeclaration(cur) || ts.isClassDeclaration(cur)) {
      return cur.name ? [rel(cur.getSourceFile().fileName), lineOf(cur)] : null;
    }
    if ((ts.isFunctionExpression(cur) || ts.isArrowFunction(cur)) && cur.parent && ts.isVariableDeclaration(cur.parent)
        && ts.isIdentifier(cur.parent.name)) {
      return [rel(cur.getSourceFile().fileName), lineOf(cur.parent)];
    }
  }
  return null;
}

const edges = [];
const exportsOut = {};
// "file:line" of a class -> member -> [file, line] of the declaration its instances reach by that name, as the
// checker's declared type of the class has it (the first declaration along `extends`)
const members = {};
function classMembers(node) {
  if (!ts.isClassDeclaration(node) || !node.name) return;
  const sym = checker.getSymbolAtLocation(node.name);
  if (!sym) return;
  const own = {};
  for (const prop of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(sym))) {
    const decl = prop.declarations && prop.declarations[0];
    const site = decl && declSite(decl);
    if (site) own[prop.name] = site;
  }
  members[`${rel(node.getSourceFile().fileName)}:${lineOf(node)}`] = own;
}
for (const sf of program.getSourceFiles()) {
  if (!path.resolve(sf.fileName).startsWith(root + path.sep)) continue;
  const visit = (node) => {
    classMembers(node);
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      let callee = node.expression;
      if (ts.isPropertyAccessExpression(callee)) callee = callee.name;
      const sym = finalSymbol(checker.getSymbolAtLocation(callee));
      const decls = (sym && sym.declarations) || [];
      const bodies = decls.filter((d) => d.body);  // an overloaded function: its implementation, not signatures
      for (const decl of bodies.length ? bodies : decls) {
        // a parameter holding a function is no definition (its line may be its function's own line)
        if (ts.isParameter(decl) || ts.isBindingElement(decl)) continue;
        const site = declSite(decl);
        if (site) edges.push({ caller: enclosing(node), callee: site, line: lineOf(node) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const msym = checker.getSymbolAtLocation(sf);
  if (msym) {
    const names = {};
    for (const exp of checker.getExportsOfModule(msym)) {
      const target = finalSymbol(exp);
      const decl = target && target.declarations && target.declarations[0];
      const site = decl && declSite(decl);
      if (site) names[exp.name] = site;
    }
    exportsOut[rel(sf.fileName)] = names;
  }
}
process.stdout.write(JSON.stringify({ edges, exports: exportsOut, members }));
