package probes

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// condition is a parsed metrics condition: a metric name, optional label
// matchers, a comparison and a number.
type condition struct {
	name     string
	matchers []labelMatcher
	op       string
	value    float64
}

type labelMatcher struct {
	name, value string
	negate      bool
}

var comparisons = []string{"<=", ">=", "==", "!=", "<", ">"} // longest first

// parseCondition reads `name{label="value",other!="x"} OP number`.
func parseCondition(s string) (condition, error) {
	var c condition
	rest := strings.TrimSpace(s)
	i := 0
	for i < len(rest) && isNameChar(rest[i], i == 0) {
		i++
	}
	if i == 0 {
		return c, fmt.Errorf("must start with a metric name, such as \"up == 1\"")
	}
	c.name, rest = rest[:i], strings.TrimSpace(rest[i:])
	if strings.HasPrefix(rest, "{") {
		end := closingBrace(rest)
		if end < 0 {
			return c, fmt.Errorf("label matchers: missing }")
		}
		ms, err := parseMatchers(rest[1:end])
		if err != nil {
			return c, err
		}
		c.matchers, rest = ms, strings.TrimSpace(rest[end+1:])
	}
	for _, op := range comparisons {
		if strings.HasPrefix(rest, op) {
			c.op, rest = op, strings.TrimSpace(rest[len(op):])
			break
		}
	}
	if c.op == "" {
		return c, fmt.Errorf("after %s: want a comparison (<, <=, >, >=, ==, !=)", c.name)
	}
	v, err := strconv.ParseFloat(rest, 64)
	if err != nil || math.IsNaN(v) {
		return c, fmt.Errorf("after %s: want a number, got %q", c.op, rest)
	}
	c.value = v
	return c, nil
}

func isNameChar(b byte, first bool) bool {
	return b == '_' || b == ':' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (!first && b >= '0' && b <= '9')
}

// closingBrace finds the } that ends the matchers, skipping quoted values.
func closingBrace(s string) int {
	inQuote := false
	for i := 1; i < len(s); i++ {
		switch {
		case inQuote && s[i] == '\\':
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case !inQuote && s[i] == '}':
			return i
		}
	}
	return -1
}

func parseMatchers(s string) ([]labelMatcher, error) {
	var out []labelMatcher
	rest := strings.TrimSpace(s)
	for rest != "" {
		i := 0
		for i < len(rest) && isNameChar(rest[i], i == 0) && rest[i] != ':' {
			i++
		}
		if i == 0 {
			return nil, fmt.Errorf("label matchers: want a label name at %q", rest)
		}
		m := labelMatcher{name: rest[:i]}
		rest = strings.TrimSpace(rest[i:])
		switch {
		case strings.HasPrefix(rest, "!="):
			m.negate, rest = true, rest[2:]
		case strings.HasPrefix(rest, "="):
			rest = rest[1:]
		default:
			return nil, fmt.Errorf("label matchers: want = or != after %s", m.name)
		}
		rest = strings.TrimSpace(rest)
		quoted, err := strconv.QuotedPrefix(rest)
		if err != nil || !strings.HasPrefix(quoted, `"`) {
			return nil, fmt.Errorf("label matchers: want a \"quoted\" value for %s", m.name)
		}
		m.value, _ = strconv.Unquote(quoted)
		out = append(out, m)
		rest = strings.TrimSpace(rest[len(quoted):])
		if rest != "" {
			if !strings.HasPrefix(rest, ",") {
				return nil, fmt.Errorf("label matchers: want , between matchers")
			}
			rest = strings.TrimSpace(rest[1:])
		}
	}
	return out, nil
}

// String writes the condition in the form parseCondition reads.
func (c condition) String() string {
	var b strings.Builder
	b.WriteString(c.name)
	if len(c.matchers) > 0 {
		b.WriteByte('{')
		for i, m := range c.matchers {
			if i > 0 {
				b.WriteByte(',')
			}
			op := "="
			if m.negate {
				op = "!="
			}
			fmt.Fprintf(&b, "%s%s%s", m.name, op, strconv.Quote(m.value))
		}
		b.WriteByte('}')
	}
	fmt.Fprintf(&b, " %s %s", c.op, strconv.FormatFloat(c.value, 'g', -1, 64))
	return b.String()
}

// holds compares v with the condition's number.
func (c condition) holds(v float64) bool {
	switch c.op {
	case "<":
		return v < c.value
	case "<=":
		return v <= c.value
	case ">":
		return v > c.value
	case ">=":
		return v >= c.value
	case "==":
		return v == c.value
	}
	return v != c.value
}

// matches reports whether a series' labels meet the matchers; an absent
// label is the empty string, as in PromQL.
func (c condition) matches(labels map[string]string) bool {
	for _, m := range c.matchers {
		if (labels[m.name] == m.value) == m.negate {
			return false
		}
	}
	return true
}
