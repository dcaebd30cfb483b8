// Command gocheck prints, for each Go workspace folder given, the call edges and package-level definitions that
// go/types resolves, as one JSON object keyed by folder. It is the independent Go resolver of bench/repo_gold.py.
//
// Every call expression whose callee identifier go/types binds to a function or method declared inside the
// folder is an edge {caller: [file, line], callee: [file, line]}; callers are the enclosing top-level function
// or method declarations (function literals count as their enclosing declaration). Calls of interface methods
// are flagged, since their target is chosen at run time.
package main

import (
	"encoding/json"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type edge struct {
	Caller    []interface{} `json:"caller"`
	Callee    []interface{} `json:"callee"`
	Interface bool          `json:"interface"`
	Line      int           `json:"line"`
}

type result struct {
	Edges []edge                              `json:"edges"`
	Defs  map[string]map[string][]interface{} `json:"defs"` // folder -> name -> [file, line]
}

func rel(root string, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func check(root string, fset *token.FileSet, imp types.Importer) result {
	groups := map[string][]*ast.File{}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, perr := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if perr != nil && f == nil {
			return nil
		}
		key := filepath.Dir(p) + "\x00" + f.Name.Name
		groups[key] = append(groups[key], f)
		return nil
	})
	out := result{Defs: map[string]map[string][]interface{}{}}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		files := groups[key]
		info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{},
			Selections: map[*ast.SelectorExpr]*types.Selection{}}
		conf := types.Config{Importer: imp, Error: func(error) {}}
		pkg, _ := conf.Check(strings.Split(key, "\x00")[1], fset, files, info)
		folder := rel(root, strings.Split(key, "\x00")[0])
		if folder == "." {
			folder = ""
		}
		if pkg != nil && !strings.HasSuffix(pkg.Name(), "_test") {
			defs := out.Defs[folder]
			if defs == nil {
				defs = map[string][]interface{}{}
				out.Defs[folder] = defs
			}
			for _, name := range pkg.Scope().Names() {
				obj := pkg.Scope().Lookup(name)
				pos := fset.Position(obj.Pos())
				if strings.HasSuffix(pos.Filename, "_test.go") {
					continue
				}
				defs[name] = []interface{}{rel(root, pos.Filename), pos.Line}
			}
		}
		for _, f := range files {
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				dpos := fset.Position(fd.Pos())
				caller := []interface{}{rel(root, dpos.Filename), dpos.Line}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					var id *ast.Ident
					iface := false
					switch fn := call.Fun.(type) {
					case *ast.Ident:
						id = fn
					case *ast.SelectorExpr:
						id = fn.Sel
						if sel, ok := info.Selections[fn]; ok {
							_, iface = sel.Recv().Underlying().(*types.Interface)
						}
					case *ast.IndexExpr: // generic instantiation f[T](x)
						if i, ok := fn.X.(*ast.Ident); ok {
							id = i
						}
					}
					if id == nil {
						return true
					}
					obj, ok := info.Uses[id].(*types.Func)
					if !ok {
						return true
					}
					obj = obj.Origin()
					pos := fset.Position(obj.Pos())
					if !strings.HasPrefix(pos.Filename, root) {
						return true
					}
					line := pos.Line // the name's line, which is the func keyword's line in gofmt'ed code
					out.Edges = append(out.Edges, edge{Caller: caller, Callee: []interface{}{rel(root, pos.Filename), line},
						Interface: iface, Line: fset.Position(call.Pos()).Line})
					return true
				})
			}
		}
	}
	return out
}

func main() {
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	all := map[string]result{}
	for _, root := range os.Args[1:] {
		abs, _ := filepath.Abs(root)
		all[root] = check(abs, fset, imp)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(all)
}
