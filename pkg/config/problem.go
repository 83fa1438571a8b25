package config

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Problem is one mistake in a config file. Its message never holds a secret
// value.
type Problem struct {
	File string
	// Line is 1-based; 0 when the key is not written anywhere in the file.
	Line int
	// Column is set for syntax errors only.
	Column int
	// Key is the key path with 0-based array indices
	// ("components[1].checks[0].interval"); empty for a syntax error.
	Key string
	Msg string
}

// Error formats the problem as "file:line: key: message", or
// "file:line:column: syntax error: message" when the document does not
// parse.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every mistake found in one file, in the order of the file.
// Load returns it as its error so that the user can fix them all at once.
type Problems []Problem

// Error prints one problem per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a single Problem.
func (ps Problems) Unwrap() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
}

// sortProblems orders problems by line; those without one go last.
func sortProblems(ps Problems) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Line, b.Line)
	})
}

// decodeProblems turns go-toml's errors into Problems: unknown keys (all of
// them, from strict mode), a value of the wrong type, or a syntax error.
func decodeProblems(file string, ix *index, err error) Problems {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		ps := make(Problems, 0, len(strict.Errors))
		for i := range strict.Errors {
			de := &strict.Errors[i]
			msg := "unknown key"
			if strings.HasSuffix(de.Error(), "missing table") {
				msg = "unknown table"
			}
			ps = append(ps, keyedProblem(file, ix, de, msg))
		}
		return ps
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		if ix.syntaxAt(line, col) {
			return Problems{{File: file, Line: line, Column: col, Msg: "syntax error: " + message(de)}}
		}
		return Problems{keyedProblem(file, ix, de, friendly(message(de)))}
	}
	// go-toml hands a float to Duration.UnmarshalText and returns its
	// error without a position: find the value in the index instead.
	if ps := durationTypeProblems(file, ix); len(ps) > 0 {
		return ps
	}
	return Problems{{File: file, Msg: strings.ReplaceAll(err.Error(), "\n", " ")}}
}

// durationPath matches the paths of the Duration fields of Config.
var durationPath = regexp.MustCompile(`^(server\.shutdown_timeout|storage\.retention|` +
	`components\[\d+\]\.checks\[\d+\]\.(interval|timeout|http\.degraded_after)|` +
	`components\[\d+\]\.auto_incident\.(stable_for|cool_down)|` +
	`smtp\.timeout|notify\.(reminder_lead|retry_for)|alerts\.(group_window|retry_for|store_unhealthy_after)|` +
	`alerts\.rules\[\d+\]\.(delay|repeat))$`)

// durationTypeProblems reports the durations not written as strings.
func durationTypeProblems(file string, ix *index) Problems {
	var ps Problems
	for _, e := range ix.all {
		if e.kind != unstable.String && ix.byPath[e.path] == e && durationPath.MatchString(e.path) {
			ps = append(ps, Problem{File: file, Line: e.line, Key: e.path, Msg: notDuration(e.kind)})
		}
	}
	return ps
}

func notDuration(k unstable.Kind) string {
	return fmt.Sprintf(`must be a duration string such as "30s", not %s`, kindWord(k))
}

// keyedProblem places a decode error on the key at its position, with the
// array indices go-toml's own key lacks.
func keyedProblem(file string, ix *index, de *toml.DecodeError, msg string) Problem {
	line, col := de.Position()
	p := Problem{File: file, Line: line, Msg: msg}
	if e := ix.at(ix.offset(line, col), de.Key()); e != nil {
		p.Key = e.path
		if strings.HasSuffix(msg, " is already defined") {
			p.Msg = "defined twice"
			if first := ix.byPath[e.path]; first != nil && first != e {
				p.Msg = fmt.Sprintf("already defined at line %d", first.line)
			}
		}
	} else {
		p.Key = strings.Join(de.Key(), ".")
		p.Column = col
	}
	return p
}

func message(de *toml.DecodeError) string {
	return strings.ReplaceAll(strings.TrimPrefix(de.Error(), "toml: "), "\n", " ")
}

var mismatch = regexp.MustCompile(`^cannot decode TOML (.+?) into (?:.* of type )?(\S+)$`)

// friendly rewrites go-toml's type errors, which name Go types, in the
// terms of the file: "must be an integer, not a string".
func friendly(msg string) string {
	m := mismatch.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	return fmt.Sprintf("must be %s, not %s", goTypeWord(m[2]), tomlWord(m[1]))
}

func goTypeWord(t string) string {
	switch {
	case t == "config.Duration":
		return `a duration string such as "30s"`
	case t == "string" || t == "config.Secret":
		return "a string"
	case t == "bool" || t == "*bool":
		return "true or false"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	default:
		return "a table"
	}
}

func tomlWord(t string) string {
	switch t {
	case "integer", "inline table":
		return "an " + t
	case "array", "array table":
		return "an " + t
	default:
		return "a " + t
	}
}
