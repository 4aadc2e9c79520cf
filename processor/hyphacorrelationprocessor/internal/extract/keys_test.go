// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestBuiltinKeyHolds(t *testing.T) {
	for key, want := range map[string]string{
		"trace_id":       HoldsTraceID,
		"dd.trace_id":    HoldsTraceID,
		"@sp":            HoldsSpanID,
		"transaction.id": HoldsSpanID,
		"trace_sampled":  HoldsTraceFlags,
		"traceparent":    "a W3C traceparent",
		"trace":          "an object holding the trace id",
		"@t":             "the time",
		"v":              "bunyan's format version",
		"Scopes":         ".NET's logging scopes",
		"request_trace":  "",
		"":               "",
	} {
		if got := BuiltinKeyHolds(key); got != want {
			t.Errorf("BuiltinKeyHolds(%q) = %q, want %q", key, got, want)
		}
	}
}

// readmePath is the processor's README, whose "Keys" tables are the list of
// built-in keys users read.
const readmePath = "../../README.md"

// readmeColumns maps the README's column and row names to what their keys
// hold, in BuiltinKeyHolds's words.
var readmeColumns = map[string][]string{
	"trace id": {HoldsTraceID, fieldTraceparent.holds(), fieldB3Single.holds(), fieldUberTraceID.holds(), fieldSentryTrace.holds(), fieldCloudTraceCtx.holds()},
	"span id":  {HoldsSpanID},
	"flags":    {HoldsTraceFlags},
	"severity": {fieldLevel.holds()},
	"time":     {fieldTime.holds()},
	"service":  {fieldService.holds(), fieldBunyanVersion.holds()},
}

// member is a key inside the nested objects under keys of Field parent.
type member struct {
	parent Field
	key    string
}

// TestREADMEKeys keeps the README's key tables in step with the code, the
// one source of what a key means: builtinField for top-level keys and
// ClassifyIn for the members of nested objects. Every key either knows must
// be in the other, and stand in the README column of what it holds.
func TestREADMEKeys(t *testing.T) {
	e := New(Options{})
	codeKeys := stringsIn(t, "builtinField")
	var codeMembers []member
	for _, k := range codeKeys {
		if f := builtinField(k); f.Nested() {
			for _, m := range stringsIn(t, "memberField") {
				if memberField(f, m) != FieldNone && !slices.Contains(codeMembers, member{f, m}) {
					codeMembers = append(codeMembers, member{f, m})
				}
			}
		}
	}
	if len(codeKeys) < 50 || len(codeMembers) < 10 {
		t.Fatalf("found only %d keys and %d members in the code: has the key table moved?", len(codeKeys), len(codeMembers))
	}

	readmeKeys, readmeMembers := map[string]bool{}, map[member]bool{}
	for _, c := range readmeKeyCells(t) {
		for _, k := range c.keys {
			holds, where := BuiltinKeyHolds(k), "key"
			if m := nestedKey.FindStringSubmatch(k); m != nil {
				parent := builtinField(m[1])
				if !parent.Nested() {
					t.Errorf("README: %s: %q holds no object the code looks into", k, m[1])
					continue
				}
				readmeKeys[m[1]] = true
				readmeMembers[member{parent, m[2]}] = true
				holds, where = e.ClassifyIn(parent, m[2]).holds(), "member"
			} else {
				readmeKeys[k] = true
			}
			switch {
			case holds == "":
				t.Errorf("README: %s %s is not built in", where, k)
			case !slices.Contains(readmeColumns[c.column], holds):
				t.Errorf("README: %s %s is under %q, but it holds %s", where, k, c.column, holds)
			}
		}
	}
	for _, k := range codeKeys {
		if !readmeKeys[k] {
			t.Errorf("README: built-in key %q (%s) is missing from the key tables", k, BuiltinKeyHolds(k))
		}
	}
	for _, m := range codeMembers {
		if !readmeMembers[m] {
			t.Errorf("README: member %q inside %s is missing from the key tables", m.key, m.parent.holds())
		}
	}
}

// nestedKey matches the README's spelling of a member of a nested object,
// "trace":{"id"}, or of each object in an array, "Scopes":[{"TraceId"}].
var nestedKey = regexp.MustCompile(`^"([^"]+)":\[?\{"([^"]+)"\}\]?$`)

// keyCell is one cell of the README's key tables: the keys in backquotes
// and the column (or, in a table of one column of keys, the row) naming what
// they hold.
type keyCell struct {
	column string
	keys   []string
}

// readmeKeyCells reads the tables of the README's "### Keys" section. Every
// text in backquotes in a table cell is a key.
func readmeKeyCells(t *testing.T) []keyCell {
	t.Helper()
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n### Keys\n")
	if !ok {
		t.Fatalf("%s has no section \"### Keys\"", readmePath)
	}
	if end := strings.Index(section, "\n#"); end >= 0 {
		section = section[:end]
	}
	quoted := regexp.MustCompile("`([^`]+)`")
	var cells []keyCell
	var header []string
	for line := range strings.Lines(section) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			header = nil
			continue
		}
		row := strings.Split(strings.Trim(line, "|"), "|")
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
		switch {
		case header == nil:
			header = row
			continue
		case strings.HasPrefix(row[0], "---"):
			continue
		}
		for i, cell := range row[1:] {
			if header[i+1] == exampleColumn {
				continue // lines, not keys: see TestREADMEExamples
			}
			var keys []string
			for _, m := range quoted.FindAllStringSubmatch(cell, -1) {
				keys = append(keys, m[1])
			}
			column := header[i+1]
			if _, known := readmeColumns[column]; !known {
				column = row[0]
			}
			if _, known := readmeColumns[column]; !known && len(keys) > 0 {
				t.Fatalf("%s: keys %q under column %q of row %q, neither of which says what they hold", readmePath, keys, header[i+1], row[0])
			}
			cells = append(cells, keyCell{column, keys})
		}
	}
	if len(cells) == 0 {
		t.Fatalf("%s: no tables in section \"### Keys\"", readmePath)
	}
	return cells
}

// exampleColumn heads the column of the README's key tables that quotes a
// line of each source.
const exampleColumn = "example line"

// TestREADMEExamples holds the README's example lines to what it says of
// them: each, read as a log line, links to a trace.
func TestREADMEExamples(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "\n### Keys\n")
	if end := strings.Index(section, "\n#"); end >= 0 {
		section = section[:end]
	}
	quoted := regexp.MustCompile("`([^`]+)`")
	e := New(Options{})
	n := 0
	column := -1
	for line := range strings.Lines(section) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			column = -1
			continue
		}
		row := strings.Split(strings.Trim(line, "|"), "|")
		if column < 0 {
			column = slices.IndexFunc(row, func(c string) bool { return strings.TrimSpace(c) == exampleColumn })
			continue
		}
		if column >= len(row) || strings.HasPrefix(strings.TrimSpace(row[0]), "---") {
			continue
		}
		m := quoted.FindStringSubmatch(row[column])
		if m == nil {
			continue
		}
		n++
		var r Result
		e.FromString(m[1], &r)
		if !r.HasTrace {
			t.Errorf("README example of %s finds no trace id: %s", strings.TrimSpace(row[0]), m[1])
		}
	}
	if n < 5 {
		t.Fatalf("only %d example lines in the README's key tables", n)
	}
}

// stringsIn returns the string literals in the body of the package's
// function name ("Type.method" for a method): the keys its switch knows.
func stringsIn(t *testing.T, name string) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || funcName(fn) != name {
				continue
			}
			var lits []string
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					lits = append(lits, s)
				}
				return true
			})
			return lits
		}
	}
	t.Fatalf("no function %s in the package", name)
	return nil
}

func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	return typ.(*ast.Ident).Name + "." + fn.Name.Name
}
