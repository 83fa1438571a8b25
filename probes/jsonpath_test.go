package probes

import (
	"errors"
	"testing"
)

func TestParseJSONPath(t *testing.T) {
	tests := []struct {
		in, want string // want "" means a parse error
	}{
		{"status", "$.status"},
		{"$.status", "$.status"},
		{"$", "$"},
		{"$.data.items[0].state", "$.data.items[0].state"},
		{"items[12]", "$.items[12]"},
		{"[0]", "$[0]"},
		{"$[0][1]", "$[0][1]"},
		{`$["a.b"].c`, `$["a.b"].c`},
		{`$['a[0]']`, `$["a[0]"]`},
		{"", "$"},
		{"$.", ""},
		{"a..b", ""},
		{"a[", ""},
		{"a[x]", ""},
		{"a[-1]", ""},
		{"a[+1]", ""},
		{"a[1", ""},
		{`a["b]`, ""},
		{`a["b"`, ""},
		{"$status", ""},
		{"a]b", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := parseJSONPath(tc.in)
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("parsed as %s, want an error", p)
			case tc.want != "" && err != nil:
				t.Errorf("error %v, want %s", err, tc.want)
			case tc.want != "" && p.String() != tc.want:
				t.Errorf("parsed as %s, want %s", p, tc.want)
			}
		})
	}
}

func TestJSONPathLookup(t *testing.T) {
	const doc = `{"status":"ok","n":1.50,"big":12345678901234567890,"t":true,"z":null,"s":"a\"b\u00e9",
		"data":{"items":[{"state":"up"},{"state":"down","tags":["x", "y"]}]},"a.b":{"c":1}}`
	tests := []struct {
		path, want string
		err        error
	}{
		{"status", "ok", nil},
		{"n", "1.50", nil},
		{"big", "12345678901234567890", nil},
		{"t", "true", nil},
		{"z", "null", nil},
		{"s", `a"bé`, nil},
		{"$.data.items[1].state", "down", nil},
		{"$.data.items[1].tags", `["x","y"]`, nil},
		{`$["a.b"].c`, "1", nil},
		{"$.data.items[2]", "", errPathNotFound},
		{"$.data.nope", "", errPathNotFound},
		{"$.status.deeper", "", errPathNotFound},
		{"$.data[0]", "", errPathNotFound},
		{"$.Status", "", errPathNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			p, err := parseJSONPath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.lookup([]byte(doc))
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestJSONPathNotJSON(t *testing.T) {
	for _, body := range []string{"", "<html>", `{"status":"ok"`, `{"status":"ok"} trailing`} {
		p, _ := parseJSONPath("status")
		if _, err := p.lookup([]byte(body)); err == nil || errors.Is(err, errPathNotFound) {
			t.Errorf("lookup in %q: %v, want a not-JSON error", body, err)
		}
	}
}

// FuzzJSONPath checks that no path and no body make the evaluator panic,
// and that a parsed path prints as a path that parses to the same thing.
func FuzzJSONPath(f *testing.F) {
	f.Add("$.data.items[0].state", []byte(`{"data":{"items":[{"state":"up"}]}}`))
	f.Add("status", []byte(`{"status":"ok"}`))
	f.Add(`$["a.b"][3]`, []byte(`{"a.b":[1,2,3,{"x":null}]}`))
	f.Add("[0]", []byte(`[[[]]]`))
	f.Add("a[99999999999999999999]", []byte(`{"a":[]}`))
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		p, err := parseJSONPath(path)
		if err != nil {
			return
		}
		_, _ = p.lookup(body)
		again, err := parseJSONPath(p.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", path, p.String(), err)
		}
		if again.String() != p.String() {
			t.Fatalf("%q: %q reparsed as %q", path, p.String(), again.String())
		}
	})
}
