package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// TestConsoleAdminPagesRefuseOperators: users, tokens and the audit log
// are for admins only, reading and writing.
func TestConsoleAdminPagesRefuseOperators(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("root@example.com", "admin", testPassword)
	f.addUser("ops@example.com", "operator", testPassword)
	ops := f.browser()
	ops.login("ops@example.com", testPassword)
	token := ops.token("/admin")
	for _, path := range []string{"/admin/users", "/admin/tokens", "/admin/audit", "/admin/audit.jsonl"} {
		if res, _ := ops.get(path); res.StatusCode != http.StatusForbidden {
			t.Errorf("operator GET %s: %d", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/admin/users", "/admin/users/1/disable", "/admin/tokens", "/admin/tokens/1/revoke"} {
		res := ops.do(http.MethodPost, path, url.Values{"csrf": {token}, "email": {"x@example.com"}, "role": {"admin"}, "password": {"a long enough password"}, "name": {"x"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("operator POST %s: %d", path, res.StatusCode)
		}
	}
	if _, body := ops.get("/admin"); strings.Contains(body, `href="/admin/users"`) {
		t.Error("the operator's nav links to admin pages")
	}
	if users, _ := f.st.Users(t.Context()); len(users) != 2 {
		t.Fatalf("an operator changed users: %d", len(users))
	}
	if res, body := ops.get("/admin/no-such-page"); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no such page here.") {
		t.Errorf("unknown console page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := f.browser().get("/admin/no-such-page"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("unknown console page without a session: %d, want the login redirect", res.StatusCode)
	}
	root := f.browser()
	root.login("root@example.com", testPassword)
	for _, path := range []string{"/admin/users", "/admin/tokens", "/admin/audit", "/admin/audit.jsonl", "/admin/account"} {
		if res, _ := root.get(path); res.StatusCode != http.StatusOK {
			t.Errorf("admin GET %s: %d", path, res.StatusCode)
		}
	}
}

// TestConsoleUsersTokensAndAudit runs an admin's changes through the
// forms and finds each in the audit log and its export.
func TestConsoleUsersTokensAndAudit(t *testing.T) {
	f := newConsoleFixture(t)
	rootID := f.addUser("root@example.com", "admin", testPassword)
	b := f.browser()
	b.login("root@example.com", testPassword)

	res, body := b.post("/admin/users", "/admin/users", url.Values{"email": {"new@example.com"}, "role": {"operator"}, "password": {"short"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "too short") {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	res, _ = b.post("/admin/users", "/admin/users", url.Values{"email": {"new@example.com"}, "role": {"operator"}, "password": {"a long enough password"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: %d", res.StatusCode)
	}
	if _, body = b.get("/admin/users"); !strings.Contains(body, "new@example.com") || !strings.Contains(body, "User new@example.com added as operator.") {
		t.Fatalf("users page after adding:\n%s", body)
	}
	if res, _ = b.post("/admin/users", "/admin/users", url.Values{"email": {"NEW@example.com"}, "role": {"admin"}, "password": {"a long enough password"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate user: %d", res.StatusCode)
	}
	nu, _, err := f.st.UserByEmail(t.Context(), "new@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if res, _ = b.post("/admin/users", "/admin/users/"+itoa(rootID)+"/disable", nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("disabling oneself: %d", res.StatusCode)
	}
	if res, _ = b.post("/admin/users", "/admin/users/"+itoa(nu.ID)+"/disable", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}

	res, body = b.post("/admin/tokens", "/admin/tokens", url.Values{"name": {"deploy-bot"}, "role": {"operator"}})
	secret := regexpFind(t, `<code>(ampel_op_[A-Za-z0-9_-]{43})</code>`, body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d", res.StatusCode)
	}
	tok, err := f.st.TokenBySecret(t.Context(), secret)
	if err != nil || tok.Name != "deploy-bot" || tok.Role != store.RoleOperator || tok.Kind != store.TokenOperator {
		t.Fatalf("token shown does not work: %+v %v", tok, err)
	}
	if _, body = b.get("/admin/tokens"); strings.Contains(body, secret) || !strings.Contains(body, "deploy-bot") {
		t.Fatal("the tokens page shows the secret again, or not the token")
	}
	if res, _ = b.post("/admin/tokens", "/admin/tokens", url.Values{"name": {"deploy-bot"}, "role": {"operator"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate token name: %d", res.StatusCode)
	}
	// Automation would mistake a token named like itself for its own.
	if res, body = b.post("/admin/tokens", "/admin/tokens", url.Values{"name": {" ampel "}, "role": {"operator"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "reserved") {
		t.Fatalf("token named ampel: %d", res.StatusCode)
	}
	if res, _ = b.post("/admin/tokens", "/admin/tokens/"+itoa(tok.ID)+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if _, err := f.st.TokenBySecret(t.Context(), secret); err != store.ErrNoToken {
		t.Fatalf("revoked token still valid: %v", err)
	}
	if res, _ = b.post("/admin/tokens", "/admin/tokens/"+itoa(tok.ID)+"/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking twice: %d", res.StatusCode)
	}
	f.advance(time.Minute)
	b.post("/admin/account", "/admin/account/password", url.Values{"current": {testPassword}, "new": {"another long password"}, "confirm": {"another long password"}})

	want := []string{"user.create", "user.create", "user.disable", "token.create", "token.revoke", "user.password"}
	all, err := f.st.AuditLog(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("%d audit entries, want %d", len(all), len(want))
	}
	res, body = b.get("/admin/audit.jsonl")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jsonl") {
		t.Errorf("export Content-Type %q", ct)
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	n := 0
	for sc.Scan() {
		var l auditLine
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d %q: %v", n+1, sc.Text(), err)
		}
		if l.ID != all[n].ID || l.Action != want[n] || l.At == "" || string(l.After) == "null" {
			t.Errorf("line %d: %+v, want %s", n+1, l, want[n])
		}
		if l.Action != "user.create" && l.Action != "token.create" && string(l.Before) == "null" {
			t.Errorf("line %d (%s) has no before", n+1, l.Action)
		}
		if l.Action == "token.create" && (l.ActorKind != store.ActorUser || l.ActorName != "root@example.com") {
			t.Errorf("token.create by %s %s", l.ActorKind, l.ActorName)
		}
		if strings.Contains(sc.Text(), "argon2id") || strings.Contains(sc.Text(), secret) {
			t.Fatalf("the audit log holds a secret: %s", sc.Text())
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("export has %d lines, want %d", n, len(want))
	}
	if _, body = b.get("/admin/audit"); strings.Index(body, "user.password") > strings.Index(body, "user.create") {
		t.Error("the audit page is not newest first")
	}
}

func TestConsoleAuditPages(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("root@example.com", "admin", testPassword)
	for i := range auditPageSize + 5 {
		tok := store.Token{Kind: store.TokenOperator, Role: store.RoleOperator, Name: "bot-" + itoa(int64(i))}
		if _, err := f.st.IssueToken(t.Context(), tok, "secret-"+itoa(int64(i)), cliTestActor, t0); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.login("root@example.com", testPassword)
	_, first := b.get("/admin/audit")
	if got := strings.Count(first, `class="card audit"`); got != auditPageSize {
		t.Fatalf("first page: %d entries", got)
	}
	older := regexpFind(t, `href="/admin/audit\?before=(\d+)"`, first)
	if !strings.Contains(first, "bot-54") || strings.Contains(first, `"bot-4"`) {
		t.Error("the first page does not start with the newest")
	}
	_, second := b.get("/admin/audit?before=" + older)
	if got := strings.Count(second, `class="card audit"`); got != 6 {
		t.Fatalf("second page: %d entries, want 6", got)
	}
	if strings.Contains(second, "?before=") {
		t.Error("the last page links to an older one")
	}
	if res, _ := b.get("/admin/audit?before=x"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad page: %d", res.StatusCode)
	}
}

func TestConsoleDashboardListsOpenWork(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "operator", testPassword)
	ctx := t.Context()
	inc, err := f.st.CreateIncident(ctx, store.Incident{Name: "API errors <b>", Status: "investigating", Impact: "major",
		Components: map[string]string{"api": "major_outage"}, Started: t0, Draft: true},
		store.IncidentUpdate{Status: "investigating", Body: "Looking", At: t0}, cliTestActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.st.CreateMaintenance(ctx, store.Maintenance{Name: "DB upgrade", Status: "scheduled",
		ScheduledFor: t0.Add(time.Hour), ScheduledUntil: t0.Add(2 * time.Hour), ComponentIDs: []string{"api"}},
		store.MaintenanceUpdate{Status: "scheduled", Body: "Planned", At: t0}, cliTestActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("ops@example.com", testPassword)
	_, body := b.get("/admin")
	for _, want := range []string{
		`href="/admin/incidents/` + itoa(inc.ID) + `"`, "API errors &lt;b&gt;", "draft",
		`href="/admin/maintenances/` + itoa(m.ID) + `"`, "DB upgrade",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}

func regexpFind(t *testing.T, expr, s string) string {
	t.Helper()
	m := regexpMust(expr).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in\n%s", expr, s)
	}
	return m[1]
}

func TestConsoleDashboardShowsBackups(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "operator", testPassword)
	b := f.browser()
	b.login("ops@example.com", testPassword)
	if _, body := b.get("/admin"); !strings.Contains(body, "Scheduled snapshots are off") {
		t.Fatalf("no backup line without backups:\n%s", body)
	}
	cfg := testConfig(t)
	cfg.Backup.Enabled = true
	cfg.Backup.Command = []string{"rclone"}
	status := backup.Status{Last: backup.Snapshot{At: t0, Size: 4096}, Kept: 3, Failures: 2, LastErr: errors.New("disk full")}
	f.e = New(Deps{Config: cfg, Engine: state.New(cfg), Store: f.st, Now: func() time.Time { return *f.now.Load() },
		Backups: func() backup.Status { return status }}).(*echo.Echo)
	b.login("ops@example.com", testPassword)
	_, body := b.get("/admin")
	for _, want := range []string{"4096 bytes", "3 kept", "disk full", "2 failures", "backup command has not yet succeeded"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}

// TestConsoleTimesInSiteZone: the console shows times in the site's zone,
// as the public pages do, not in the UTC the store keeps.
func TestConsoleTimesInSiteZone(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("root@example.com", "admin", testPassword)
	b := f.browser()
	b.login("root@example.com", testPassword)
	// t0 is 11:00 UTC, noon in Berlin.
	for _, path := range []string{"/admin/account", "/admin/users", "/admin/audit"} {
		if _, body := b.get(path); !strings.Contains(body, "Nov 23, 12:00 CET") || strings.Contains(body, "11:00 UTC") {
			t.Errorf("%s does not show t0 in the site's zone", path)
		}
	}
}

// TestConsoleDashboardListsNodes: in cluster mode the dashboard lists the
// nodes seen, with role, version, address and when last seen, and says
// which one leads.
func TestConsoleDashboardListsNodes(t *testing.T) {
	f := newConsoleFixture(t)
	f.addUser("ops@example.com", "operator", testPassword)
	ctx := context.Background()
	for _, n := range []store.Node{
		{Node: "status-1", Role: "leader", Version: "1.4.0", Addr: "10.0.0.1:8080", Epoch: 1},
		{Node: "status-2", Role: "follower", Version: "1.4.0", Addr: "10.0.0.2:8080", Epoch: 1},
	} {
		if err := f.st.SeeNode(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.st.TakeLease(ctx, "status-1", 0, time.Minute); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Cluster.Enabled = true
	f.e = New(Deps{Config: cfg, Engine: state.New(cfg), Store: f.st, Now: func() time.Time { return *f.now.Load() }}).(*echo.Echo)
	b := f.browser()
	b.login("ops@example.com", testPassword)
	_, body := b.get("/admin")
	for _, want := range []string{"<strong>status-1</strong> leads (term 1)", "<td>status-2</td><td>follower</td><td>1.4.0</td><td>10.0.0.2:8080</td>", "<td>status-1</td><td>leader</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, body)
		}
	}
}
