package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/pgtest"
)

// Two nodes on one PostgreSQL: an incident posted to node B's operator
// API shows on node A's components and pages at once, told by
// NOTIFY ampel_overlay (no clock of A's would reload it: the maintenance
// clock only refreshes when it moves a window).
func TestOverlayWriteOnOneNodeShowsOnTheOther(t *testing.T) {
	dsn := pgtest.DB(t)
	target, _ := flipTarget(t)
	node := func() string {
		cfgPath := writeConfig(t, t.TempDir(), target.URL)
		usePostgres(t, cfgPath, dsn)
		return cfgPath
	}
	cfgA, cfgB := node(), node()
	code, out, errb := runCmd(t, "", "token", "create", "--config", cfgB, "--name", "ops", "--role", "operator")
	if code != 0 {
		t.Fatalf("token create: %s", errb)
	}
	token := strings.TrimSpace(out)
	baseA, stopA := serveInProcess(t, cfgA)
	defer stopA()
	baseB, stopB := serveInProcess(t, cfgB)
	defer stopB()
	eventually(t, 15*time.Second, "api operational on A", func() bool { return componentStatus(t, baseA, "api") == "operational" })
	if _, body := get(t, baseA+"/"); strings.Contains(body, "Elevated API errors") {
		t.Fatal("the incident is on A's page before it was posted")
	}

	postIncident(t, baseB, token, `{"name": "Elevated API errors", "status": "identified", "body": "On it.", "components": {"api": "major_outage"}}`)
	eventually(t, 3*time.Second, "B's incident on A's components.json", func() bool { return componentStatus(t, baseA, "api") == "major_outage" })
	eventually(t, 3*time.Second, "B's incident on A's home page", func() bool {
		_, body := get(t, baseA+"/")
		return strings.Contains(body, "Elevated API errors")
	})
}
