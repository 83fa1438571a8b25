package availability_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
)

// fixture is one testdata/*.txt file: a timeline of events fed through
// the real state engine, overlay and store, and the figures expected
// over spans of days.
type fixture struct {
	loc    *time.Location
	weight float64
	now    time.Time
	events []event
	spans  []spanWant
}

type event struct {
	at   time.Time
	line int
	args []string
}

type spanWant struct {
	line        int
	first, last time.Time
	want        map[string]float64
}

// loadFixture parses a fixture. Lines: "tz ZONE", "weight W",
// "now TIME", "at TIME EVENT...", "span FIRST LAST" and after it
// "want FIELD VALUE" (seconds, or availability to 6 decimals). TIME is
// local to tz ("2026-03-29T01:30:00") or carries an offset for the
// repeated hour of a DST change ("2026-10-25T02:30:00+01:00").
func loadFixture(t *testing.T, path string) fixture {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fx := fixture{loc: time.UTC, weight: availability.DefaultPartialWeight}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		args := fields(line)
		if len(args) == 0 {
			continue
		}
		fail := func(err error) { t.Fatalf("%s:%d: %v", path, n, err) }
		tm := func(s string) time.Time {
			at, err := time.Parse(time.RFC3339, s)
			if err != nil {
				at, err = time.ParseInLocation("2006-01-02T15:04:05", s, fx.loc)
			}
			if err != nil {
				fail(err)
			}
			return at
		}
		switch args[0] {
		case "tz":
			if fx.loc, err = time.LoadLocation(args[1]); err != nil {
				fail(err)
			}
		case "weight":
			if fx.weight, err = strconv.ParseFloat(args[1], 64); err != nil {
				fail(err)
			}
		case "now":
			fx.now = tm(args[1])
		case "at":
			fx.events = append(fx.events, event{at: tm(args[1]), line: n, args: args[2:]})
		case "span":
			d := func(s string) time.Time {
				v, err := time.Parse(time.DateOnly, s)
				if err != nil {
					fail(err)
				}
				return v.Add(12 * time.Hour)
			}
			fx.spans = append(fx.spans, spanWant{line: n, first: d(args[1]), last: d(args[2]), want: map[string]float64{}})
		case "want":
			v, err := strconv.ParseFloat(args[2], 64)
			if err != nil || len(fx.spans) == 0 {
				fail(fmt.Errorf("want %v: %v (after a span)", args[1:], err))
			}
			fx.spans[len(fx.spans)-1].want[args[1]] = v
		default:
			fail(fmt.Errorf("unknown directive %q", args[0]))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fx
}

// fields splits a line at spaces, keeping "quoted text" whole.
func fields(line string) []string {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				end = len(line) - 1
			}
			out = append(out, line[1:end+1])
			line = line[min(end+2, len(line)):]
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		out = append(out, word)
		line = rest
	}
	return out
}
