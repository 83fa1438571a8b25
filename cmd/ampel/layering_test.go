package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ampelstatus/ampel"

// allowed lists, for each package of ours, the packages of ours it may
// import: imports run one way, from cmd through ui and pkg to the domain.
var allowed = map[string][]string{
	"pkg/status":           {},
	"pkg/config":           {"pkg/status"},
	"probes":               {"pkg/status", "pkg/config"},
	"probes/schedule":      {"pkg/status", "probes"},
	"store":                {"pkg/status"},
	"pkg/state":            {"pkg/status", "pkg/config"},
	"pkg/metrics":          {"pkg/status"},
	"pkg/ingest":           {"pkg/status", "pkg/state", "store"},
	"pkg/replica":          {"pkg/status", "pkg/state", "store"},
	"pkg/backup":           {"store"},
	"pkg/live":             {},
	"pkg/availability":     {"pkg/status", "store"},
	"pkg/demo":             {"pkg/status", "pkg/config", "pkg/state", "pkg/incident", "store"},
	"pkg/dbcopy":           {"pkg/status", "pkg/availability", "store"},
	"pkg/spool":            {},
	"pkg/connlimit":        {},
	"pkg/agent":            {"pkg/status", "pkg/config", "pkg/spool", "probes", "probes/schedule"},
	"pkg/remote":           {"pkg/status", "pkg/config", "pkg/agent", "pkg/ingest", "pkg/auth", "store"},
	"pkg/incident":         {"pkg/status"},
	"pkg/overlay":          {"pkg/status", "pkg/state", "pkg/incident", "store"},
	"pkg/maintclock":       {"pkg/incident", "store"},
	"pkg/autoincident":     {"pkg/status", "pkg/config", "pkg/state", "pkg/incident", "pkg/overlay", "store"},
	"pkg/markdown":         {},
	"pkg/heartbeat":        {"pkg/status", "pkg/config"},
	"pkg/ical":             {},
	"pkg/auth":             {},
	"pkg/i18n":             {},
	"pkg/mailer":           {"pkg/config"},
	"pkg/smtptest":         {},
	"pkg/pgtest":           {},
	"pkg/clustertest":      {"pkg/pgtest", "pkg/smtptest", "pkg/status", "store"},
	"pkg/cluster":          {"store"},
	"pkg/safehttp":         {},
	"pkg/channel":          {"pkg/status", "pkg/safehttp"},
	"pkg/backoff":          {},
	"pkg/subhook":          {"pkg/status", "pkg/backoff", "pkg/channel", "pkg/safehttp", "store"},
	"pkg/safehttp/dnstest": {},
	"pkg/notify":           {"pkg/auth", "pkg/backoff", "pkg/i18n", "pkg/markdown", "pkg/mailer", "store"},
	"pkg/alert":            {"pkg/status", "pkg/config", "pkg/backoff", "pkg/channel", "pkg/safehttp", "pkg/mailer", "store"},
	"ui":                   {"pkg/status", "pkg/config", "pkg/state", "store", "pkg/live", "pkg/availability", "pkg/remote", "pkg/agent", "pkg/incident", "pkg/markdown", "pkg/ical", "pkg/i18n", "pkg/backup", "pkg/auth", "pkg/connlimit", "pkg/heartbeat", "pkg/channel", "pkg/safehttp", "pkg/subhook"},
}

// onlyIn lists third-party imports confined to some packages of ours.
var onlyIn = map[string][]string{
	"github.com/labstack/echo/v4": {"ui"},
	"github.com/mattn/go-sqlite3": {"store", "bench/loadtest", "bench/siteload", "bench/mailbench"},
	"github.com/jackc/pgx/v5":     {"store", "pkg/pgtest", "pkg/clustertest"},
	"github.com/wneessen/go-mail": {"pkg/mailer", "pkg/notify", "pkg/alert"},
	"github.com/emersion/go-smtp": {"pkg/smtptest"},
}

func TestImportsRunOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		seen[pkg] = true
		for _, imp := range fields[1:] {
			if ours, ok := strings.CutPrefix(imp, module+"/"); ok {
				if pkg == "cmd/ampel" || strings.HasPrefix(pkg, "bench") {
					continue
				}
				rules, known := allowed[pkg]
				if !known {
					t.Errorf("package %s has no layering rule: add it to allowed", pkg)
					break
				}
				if !slices.Contains(rules, ours) {
					t.Errorf("%s imports %s: not allowed (may import %v)", pkg, ours, rules)
				}
			}
			for third, pkgs := range onlyIn {
				if strings.HasPrefix(imp, third) && !slices.Contains(pkgs, pkg) {
					t.Errorf("%s imports %s, which only %v may", pkg, imp, pkgs)
				}
			}
		}
	}
	for pkg := range allowed {
		if !seen[pkg] {
			t.Errorf("rule for %s, which go list did not list", pkg)
		}
	}
}
