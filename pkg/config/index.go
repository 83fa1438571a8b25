package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// go-toml's decoder does not say where a decoded value came from, so the
// document is walked a second time with its AST parser to map every key path
// ("components[1].checks[0].interval") to its position. Validation uses the
// index for line numbers and to tell a key set to its zero value from an
// absent one.

// entry is one key, table header or array element of the document.
type entry struct {
	path string // indexed key path: components[1].checks[0].interval
	// plain is the path's key parts without indices, joined by NUL, to match
	// the keys go-toml's errors carry.
	plain      string
	start, end int // byte range: the key and its value, or a header's key
	line       int
	kind       unstable.Kind // the value's kind for keys and elements
}

// index maps key paths to their places in one document.
type index struct {
	doc    []byte
	byPath map[string]*entry // the first definition of each path
	byLine map[int][]*entry  // by the line they start on
	all    []*entry
	// arrays counts the elements of each array of tables seen so far, by
	// indexed path, so that a later header names the latest element.
	arrays map[string]int
	// lines holds the offset at which each line starts.
	lines []int
	// syntax is the offset of the syntax error that stopped the walk, -1
	// if none did.
	syntax int
}

// buildIndex walks doc. On a syntax error it stops and keeps what it saw;
// the decoder reports the error itself.
func buildIndex(doc []byte) (ix *index) {
	ix = &index{doc: doc, byPath: map[string]*entry{}, byLine: map[int][]*entry{}, arrays: map[string]int{}, lines: []int{0}, syntax: -1}
	for i, c := range doc {
		if c == '\n' {
			ix.lines = append(ix.lines, i+1)
		}
	}
	defer func() {
		// The AST parser is "unstable"; a bug in it must cost line
		// numbers, never a crash of check-config.
		_ = recover()
	}()
	var p unstable.Parser
	p.Reset(doc)
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = ix.header(e)
		case unstable.KeyValue:
			ix.keyValue(table, "", e)
		}
	}
	var perr *unstable.ParserError
	if errors.As(p.Error(), &perr) {
		// The highlight is a piece of doc: its spare capacity tells where.
		if off := cap(doc) - cap(perr.Highlight); off >= 0 && off <= len(doc) {
			ix.syntax = off
		}
	}
	return ix
}

// syntaxAt reports whether the document's syntax error is at line:col.
func (ix *index) syntaxAt(line, col int) bool {
	return ix.syntax >= 0 && ix.offset(line, col) == ix.syntax
}

// header indexes a [table] or [[array table]] header and returns its path.
func (ix *index) header(e *unstable.Node) string {
	path, plain := "", ""
	first := -1
	it := e.Key()
	for it.Next() {
		k := it.Node()
		path, plain = join(path, string(k.Data)), plainJoin(plain, string(k.Data))
		// Each prefix of the key spans from its first part, as the key
		// in go-toml's errors does.
		start, end := rangeOf(k.Raw)
		if first < 0 {
			first = start
		}
		start = first
		if it.IsLast() && e.Kind == unstable.ArrayTable {
			ix.add(path, plain, start, end, unstable.Table)
			n := ix.arrays[path]
			ix.arrays[path] = n + 1
			path = elem(path, n)
		} else if n, ok := ix.arrays[path]; ok {
			path = elem(path, n-1)
		}
		ix.add(path, plain, start, end, unstable.Table)
	}
	return path
}

// keyValue indexes key = value under table, with its dotted parts and
// whatever an inline table or array value holds.
func (ix *index) keyValue(table, plain string, e *unstable.Node) {
	path := table
	if plain == "" {
		plain = plainOf(table)
	}
	start, end := rangeOf(e.Raw)
	it := e.Key()
	for it.Next() {
		k := it.Node()
		path, plain = join(path, string(k.Data)), plainJoin(plain, string(k.Data))
		if !it.IsLast() {
			_, partEnd := rangeOf(k.Raw)
			ix.add(path, plain, start, partEnd, unstable.Table)
		}
	}
	v := e.Value()
	ix.add(path, plain, start, end, v.Kind)
	ix.value(path, plain, v)
}

// value indexes the insides of inline tables and arrays.
func (ix *index) value(path, plain string, v *unstable.Node) {
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				ix.keyValue(path, plain, kv)
			}
		}
	case unstable.Array:
		it := v.Children()
		for i := 0; it.Next(); {
			n := it.Node()
			if n.Kind == unstable.Comment {
				continue
			}
			p := elem(path, i)
			// Nested arrays carry no range of their own.
			if n.Kind != unstable.Array {
				start, end := rangeOf(n.Raw)
				ix.add(p, plain, start, end, n.Kind)
			}
			ix.value(p, plain, n)
			i++
		}
	}
}

func (ix *index) add(path, plain string, start, end int, kind unstable.Kind) {
	if start < 0 || end > len(ix.doc) || start > end {
		return
	}
	e := &entry{path: path, plain: plain, start: start, end: end, line: ix.lineAt(start), kind: kind}
	ix.all = append(ix.all, e)
	ix.byLine[e.line] = append(ix.byLine[e.line], e)
	if _, ok := ix.byPath[path]; !ok {
		ix.byPath[path] = e
	}
}

// has reports whether path is written in the document.
func (ix *index) has(path string) bool {
	_, ok := ix.byPath[path]
	return ok
}

// kind returns the kind of the value at path, Invalid when absent.
func (ix *index) kind(path string) unstable.Kind {
	if e, ok := ix.byPath[path]; ok {
		return e.kind
	}
	return unstable.Invalid
}

// line returns the line of path, or of the closest enclosing table written
// in the document when path itself is absent (a missing required key, a
// default); 0 when nothing encloses it.
func (ix *index) line(path string) int {
	for path != "" {
		if e, ok := ix.byPath[path]; ok {
			return e.line
		}
		path = parent(path)
	}
	return 0
}

// at returns the innermost entry around byte offset off that matches key,
// the key go-toml's error names: without indices, and either the start of
// the path (a type error deep inside an inline table names the table) or
// its end (an unknown key inside an inline table is named alone). Failing
// that, the innermost entry; nil if none.
func (ix *index) at(off int, key []string) *entry {
	if off < 0 {
		return nil
	}
	// Errors point at keys and values, whose entries nearly always start
	// on the same line: look there first, so that a file with thousands
	// of unknown keys is not a quadratic search.
	if e := innermost(ix.byLine[ix.lineAt(off)], off, key); e != nil {
		return e
	}
	return innermost(ix.all, off, key)
}

func innermost(entries []*entry, off int, key []string) *entry {
	want := strings.Join(key, "\x00")
	var best, bestKey *entry
	for _, e := range entries {
		if off < e.start || off > e.end {
			continue
		}
		if best == nil || e.end-e.start < best.end-best.start {
			best = e
		}
		if want != "" && matchKey(e.plain, want) &&
			(bestKey == nil || e.end-e.start < bestKey.end-bestKey.start) {
			bestKey = e
		}
	}
	if bestKey != nil {
		return bestKey
	}
	return best
}

func matchKey(plain, want string) bool {
	return plain == want || strings.HasPrefix(plain, want+"\x00") || strings.HasSuffix(plain, "\x00"+want)
}

// offset converts a 1-based line and byte column to an offset in the
// document, -1 if out of range.
func (ix *index) offset(line, col int) int {
	if line < 1 || line > len(ix.lines) || col < 1 {
		return -1
	}
	off := ix.lines[line-1] + col - 1
	if off > len(ix.doc) {
		return -1
	}
	return off
}

// lineAt returns the 1-based line of byte offset off.
func (ix *index) lineAt(off int) int {
	n, _ := slices.BinarySearch(ix.lines, off+1)
	return n
}

func rangeOf(r unstable.Range) (start, end int) {
	return int(r.Offset), int(r.Offset) + int(r.Length)
}

// join appends a key to a path, quoting it when it is not a bare TOML key
// so that the path stays readable and unambiguous.
func join(path, key string) string {
	if !isBareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// elem appends an array index to a path.
func elem(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

func plainJoin(plain, key string) string {
	if plain == "" {
		return key
	}
	return plain + "\x00" + key
}

// plainOf turns an indexed path back into its key parts. Only used for
// table paths built by header, whose parts are looked up as written.
func plainOf(path string) string {
	var parts []string
	for path != "" {
		p := parent(path)
		last := strings.TrimPrefix(path[len(p):], ".")
		if !strings.HasPrefix(last, "[") {
			if s, err := strconv.Unquote(last); err == nil {
				last = s
			}
			parts = append([]string{last}, parts...)
		}
		path = p
	}
	return strings.Join(parts, "\x00")
}

// parent strips the last key or index from a path.
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
		return ""
	}
	if strings.HasSuffix(path, `"`) && len(path) > 1 {
		// A quoted key: find its opening quote.
		for i := len(path) - 2; i >= 0; i-- {
			if path[i] == '"' && (i == 0 || path[i-1] != '\\') {
				return strings.TrimSuffix(path[:i], ".")
			}
		}
		return ""
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
