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
	// rssAmpel and rssAgent are the processes' peak resident sets
	// (rssAgent 0 without -agent).
	rssAmpel, rssAgent int64
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "\n%d checks every %v; each figure is %v against each server in %d alternating rounds; ampel, the ceiling and the load generator share the machine\n",
		r.o.checks, r.o.interval, r.o.each, r.o.rounds)
	if len(r.rows) > 0 {
		fmt.Fprintf(w, "CPU per request is the server's CPU over the load less its CPU at rest (ampel %.3f, ceiling %.3f CPU-s a second: ampel's probes)\n\n", r.rows[0].idleAmpel, r.rows[0].idleBare)
	}
	fmt.Fprintln(w, "| generator | path | connections | SSE subscribers open | ampel req/s | ampel p99 | ceiling req/s | ceiling p99 | ampel / ceiling | ampel CPU/req | ceiling CPU/req | CPU ratio | failed | probe runs late | load |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, m := range r.rows {
		fmt.Fprintf(w, "| %s | `%s` | %d | %d | %.0f | %s | %.0f | %s | %.0f %% | %.1f µs | %.1f µs | %.2f | %d / %d | %d of %d | %s |\n",
			m.generator, m.path, m.conns, m.sseSubscribed, m.ampel.rps(), ms(m.ampel.p99()), m.bare.rps(), ms(m.bare.p99()),
			100*m.ampel.rps()/m.bare.rps(), us(m.ampel.cpuPerRequest(m.idleAmpel)), us(m.bare.cpuPerRequest(m.idleBare)),
			float64(m.ampel.cpuPerRequest(m.idleAmpel))/float64(m.bare.cpuPerRequest(m.idleBare)), m.ampel.failed, m.bare.failed, m.late, m.runs, m.load)
	}
	fmt.Fprintln(w)
	if r.o.subscribers == 0 {
		fmt.Fprintln(w, "state change to subscribers: not measured (-sse 0)")
	} else if r.got == 0 {
		fmt.Fprintf(w, "state change: no subscriber saw it within 30 s (%d of %d streams still open)\n", r.stillOpen, r.o.subscribers)
	} else {
		fmt.Fprintf(w, "state change: %d of %d subscribers got it (%d streams still open)\n", r.got, r.o.subscribers, r.stillOpen)
		fmt.Fprintf(w, "  target failed first (probe saw 503) -> first subscriber %s, -> last subscriber %s\n",
			ms(r.first.Sub(r.changeAt)), ms(r.last.Sub(r.changeAt)))
		fmt.Fprintf(w, "  target flipped (incl. waiting for the 1 s probe) -> last subscriber %s\n", ms(r.last.Sub(r.flipAt)))
	}
	runs := r.after.runs - r.before.runs
	where := "inside ampel serve"
	if r.o.agent {
		where = "in an ampel agent beside it"
	}
	fmt.Fprintf(w, "\nprobes, %s, while the load ran (%v):\n", where, r.window.Round(time.Second))
	fmt.Fprintf(w, "  runs started: %d; later than 100 ms: %d; later than 1 s: %d; skipped: %.0f\n",
		runs, runs-(r.after.within100ms-r.before.within100ms), runs-(r.after.within1s-r.before.within1s), r.after.skipped-r.before.skipped)
	fmt.Fprintf(w, "  results in the database: %d runs missing across %d checks (each should have run at least window/interval times)\n", r.missed, r.checks)
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	if r.o.agent {
		spool := 0.0
		for _, m := range r.rows {
			spool = max(spool, m.spool)
		}
		fmt.Fprintf(w, "  the agent's spool held at most %.0f results at the end of a row (pushed, not yet committed)\n", spool)
		fmt.Fprintf(w, "peak RSS: ampel serve %.1f MiB + ampel agent %.1f MiB = %.1f KB a check\n",
			mib(r.rssAmpel), mib(r.rssAgent), float64(r.rssAmpel+r.rssAgent)/1000/float64(r.o.checks))
	} else {
		fmt.Fprintf(w, "peak RSS: ampel serve %.1f MiB = %.1f KB a check\n", mib(r.rssAmpel), float64(r.rssAmpel)/1000/float64(r.o.checks))
	}
}
