// Command godispatch prints, for each "Type.Method" given after a Go package folder, the file and line of the
// method declaration go/types selects for a call on a *Type value (LookupFieldOrMethod: the embedding rules of
// the language spec), as one JSON object. It is the independent check of Go dispatch questions in
// bench/repo_gold.py.
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
	"strings"
)

func main() {
	folder := os.Args[1]
	fset := token.NewFileSet()
	var files []*ast.File
	paths, _ := filepath.Glob(filepath.Join(folder, "*.go"))
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err == nil {
			files = append(files, file)
		}
	}
	config := types.Config{Importer: importer.ForCompiler(fset, "source", nil), Error: func(error) {}}
	pkg, _ := config.Check(folder, fset, files, nil)
	out := map[string]interface{}{}
	for _, ask := range os.Args[2:] {
		parts := strings.SplitN(ask, ".", 2)
		named := pkg.Scope().Lookup(parts[0])
		if named == nil {
			out[ask] = nil
			continue
		}
		found, _, _ := types.LookupFieldOrMethod(types.NewPointer(named.Type()), true, pkg, parts[1])
		if method, ok := found.(*types.Func); ok {
			at := fset.Position(method.Pos())
			rel, _ := filepath.Rel(folder, at.Filename)
			out[ask] = []interface{}{rel, at.Line}
		} else {
			out[ask] = nil
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
