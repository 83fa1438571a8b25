package main

import (
	"fmt"
	"io"
	"time"
)

type report struct {
	o                             options
	rows                          []measurement
	flipAt, changeAt, first, last time.Time
	got, stillOpen                int
	before, after                 schedStats
	missed, checks                int
	window                        time.Duration
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "\n%d checks every %v; each figure is %v against each server in %d alternating rounds; ampel, the ceiling and the load generator share the machine\n\n",
		r.o.checks, r.o.interval, r.o.each, r.o.rounds)
	fmt.Fprintln(w, "| path | connections | SSE subscribers open | ampel req/s | ampel p99 | ceiling req/s | ceiling p99 | ampel / ceiling | failed |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, m := range r.rows {
		fmt.Fprintf(w, "| `%s` | %d | %d | %.0f | %s | %.0f | %s | %.0f %% | %d / %d |\n",
			m.path, m.conns, m.sseSubscribed, m.ampel.rps(), ms(m.ampel.p99()), m.bare.rps(), ms(m.bare.p99()),
			100*m.ampel.rps()/m.bare.rps(), m.ampel.failed, m.bare.failed)
	}
	fmt.Fprintln(w)
	if r.got == 0 {
		fmt.Fprintf(w, "state change: no subscriber saw it within 30 s (%d of %d streams still open)\n", r.stillOpen, r.o.subscribers)
	} else {
		fmt.Fprintf(w, "state change: %d of %d subscribers got it (%d streams still open)\n", r.got, r.o.subscribers, r.stillOpen)
		fmt.Fprintf(w, "  target failed first (probe saw 503) -> first subscriber %s, -> last subscriber %s\n",
			ms(r.first.Sub(r.changeAt)), ms(r.last.Sub(r.changeAt)))
		fmt.Fprintf(w, "  target flipped (incl. waiting for the 1 s probe) -> last subscriber %s\n", ms(r.last.Sub(r.flipAt)))
	}
	runs := r.after.runs - r.before.runs
	fmt.Fprintf(w, "\nprobes while the load ran (%v):\n", r.window.Round(time.Second))
	fmt.Fprintf(w, "  runs started: %d; later than 100 ms: %d; later than 1 s: %d; skipped: %.0f\n",
		runs, runs-(r.after.within100ms-r.before.within100ms), runs-(r.after.within1s-r.before.within1s), r.after.skipped-r.before.skipped)
	fmt.Fprintf(w, "  results in the database: %d runs missing across %d checks (each should have run at least window/interval times)\n", r.missed, r.checks)
}
