package probes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// jsonPath is a compiled path into a JSON document: a sequence of object
// keys and array indexes. It covers the part of JSONPath health checks use
// ("status", "$.data.items[0].state", `$["key.with.dots"]`); wildcards,
// filters and slices are not supported.
type jsonPath []pathStep

// pathStep is one step: an object key, or an array index when key is unset.
type pathStep struct {
	key    string
	index  int
	isKey  bool
	quoted bool // written as ["key"]: shown so again in messages
}

var errPathNotFound = errors.New("path not found")

// parseJSONPath compiles a path. "$" alone, or an empty path after it,
// selects the whole document.
func parseJSONPath(s string) (jsonPath, error) {
	rest := strings.TrimPrefix(s, "$")
	var p jsonPath
	// A path may start with a bare key ("status") as well as ".status".
	if rest != "" && rest[0] != '.' && rest[0] != '[' {
		if rest == s {
			rest = "." + rest
		} else {
			return nil, fmt.Errorf("unexpected %q after $", rest[0])
		}
	}
	for rest != "" {
		var step pathStep
		var err error
		switch rest[0] {
		case '.':
			step, rest, err = parseKey(rest[1:])
		case '[':
			step, rest, err = parseBracket(rest[1:])
		default:
			err = fmt.Errorf("unexpected %q", rest[0])
		}
		if err != nil {
			return nil, err
		}
		p = append(p, step)
	}
	return p, nil
}

// parseKey reads a dotted key up to the next '.' or '['.
func parseKey(s string) (pathStep, string, error) {
	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return pathStep{}, "", errors.New("empty key")
	}
	if strings.ContainsAny(s[:end], `]"'`) {
		return pathStep{}, "", fmt.Errorf("invalid key %q", s[:end])
	}
	return pathStep{key: s[:end], isKey: true}, s[end:], nil
}

// parseBracket reads "0]" or a quoted key "'a.b']" / `"a.b"]`.
func parseBracket(s string) (pathStep, string, error) {
	if s != "" && (s[0] == '\'' || s[0] == '"') {
		q := s[0]
		end := strings.IndexByte(s[1:], q)
		if end < 0 || len(s) < end+3 || s[end+2] != ']' {
			return pathStep{}, "", errors.New("unterminated quoted key")
		}
		return pathStep{key: s[1 : end+1], isKey: true, quoted: true}, s[end+3:], nil
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return pathStep{}, "", errors.New("missing ]")
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n < 0 || s[0] == '+' || s[0] == '-' {
		return pathStep{}, "", fmt.Errorf("index %q is not a number from 0", s[:end])
	}
	return pathStep{index: n}, s[end+1:], nil
}

// String writes the path back in its canonical form.
func (p jsonPath) String() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, st := range p {
		switch {
		case st.quoted && strings.Contains(st.key, `"`):
			b.WriteString(`['` + st.key + `']`)
		case st.quoted:
			b.WriteString(`["` + st.key + `"]`)
		case st.isKey:
			b.WriteString("." + st.key)
		default:
			b.WriteString("[" + strconv.Itoa(st.index) + "]")
		}
	}
	return b.String()
}

// lookup finds the value at p in doc and returns its text form: a string
// unquoted, anything else as compact JSON ("42", "true", "null",
// `{"a":1}`), so numbers keep the spelling the server sent.
func (p jsonPath) lookup(doc []byte) (string, error) {
	raw := json.RawMessage(doc)
	for _, st := range p {
		next, err := step(raw, st)
		if err != nil {
			return "", err
		}
		raw = next
	}
	return textForm(raw)
}

// step descends one level. Only the level's own structure is decoded; the
// values below stay raw until a later step needs them.
func step(raw json.RawMessage, st pathStep) (json.RawMessage, error) {
	if st.isKey {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, notFound(raw, err)
		}
		v, ok := obj[st.key]
		if !ok {
			return nil, errPathNotFound
		}
		return v, nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		return nil, notFound(raw, err)
	}
	if st.index >= len(arr) {
		return nil, errPathNotFound
	}
	return arr[st.index], nil
}

// notFound tells a document of the wrong shape (not found) from one that
// is not JSON at all.
func notFound(raw json.RawMessage, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return errPathNotFound
	}
	return fmt.Errorf("body is not JSON: %w", err)
}

// textForm renders a JSON value for comparison with json_value.
func textForm(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("body is not JSON: %w", err)
		}
		return s, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", fmt.Errorf("body is not JSON: %w", err)
	}
	return buf.String(), nil
}
