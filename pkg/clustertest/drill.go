package clustertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
)

// DrillOptions shape the failover drill's workload.
type DrillOptions struct {
	Checks      int           // local checks, one per component, every second (default 50)
	AgentChecks int           // checks of the remote zone an agent probes every second (default 5)
	Subscribers int           // confirmed subscribers every incident update is mailed to (default 50)
	Readers     int           // visitors reading pages through HAProxy at once (default 4)
	Lease       time.Duration // [cluster] lease (default Ampel's)
	// MailDelay slows the SMTP server down per message, so that mail is
	// in flight when the leader is killed (default 20ms).
	MailDelay time.Duration
	Keep      bool // keep the cluster's folder
	// Single runs one node without [cluster] behind HAProxy: the same
	// load on today's single Ampel, a baseline (no kills).
	Single bool
	// ReadyPath is what HAProxy checks (default "/readyz").
	ReadyPath string
}

// Drill is a three-node cluster behind HAProxy under the load:
// local checks against a loopback target, an agent pushing through
// HAProxy, subscribers receiving incident updates from an in-process SMTP
// server, and readers on the public pages through HAProxy.
type Drill struct {
	C     *Cluster
	SMTP  *smtptest.Server
	Load  *Load
	Agent *Process

	opts    DrillOptions
	local   *httptest.Server
	remote  *httptest.Server
	start   time.Time // when the drill started probing
	settled time.Time // when every component was first up

	hitsMu sync.Mutex
	hits   map[string][]time.Time // agent probes the remote target answered, by check. Guarded by hitsMu.

	opToken  string
	incident int64
	updates  int // incident messages posted with notifications, the first included
}

// StartDrill starts the drill's cluster and load, and waits until every
// component is up and the agent's results arrive. The caller must Close
// it.
func StartDrill(ctx context.Context, opts DrillOptions) (d *Drill, err error) {
	if opts.Checks == 0 {
		opts.Checks = 50
	}
	if opts.AgentChecks == 0 {
		opts.AgentChecks = 5
	}
	if opts.Subscribers == 0 {
		opts.Subscribers = 50
	}
	if opts.Readers == 0 {
		opts.Readers = 4
	}
	if opts.MailDelay == 0 {
		opts.MailDelay = 20 * time.Millisecond
	}
	d = &Drill{opts: opts, hits: map[string][]time.Time{}, start: time.Now()}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	d.local = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	d.remote = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hitsMu.Lock()
		d.hits[strings.TrimPrefix(r.URL.Path, "/")] = append(d.hits[strings.TrimPrefix(r.URL.Path, "/")], time.Now())
		d.hitsMu.Unlock()
		io.WriteString(w, "ok")
	}))
	if d.SMTP, err = smtptest.Start("127.0.0.1:0"); err != nil {
		return d, err
	}
	d.SMTP.Delay(opts.MailDelay)
	nodes := 3
	if opts.Single {
		nodes = 1
	}
	if d.C, err = Start(Options{Nodes: nodes, Config: d.config(),
		Files: map[string]string{"smtp-password": smtptest.Password + "\n"}, Server: `shutdown_timeout = "5s"`,
		Cluster: !opts.Single, Lease: opts.Lease, HAProxy: true, ReadyPath: opts.ReadyPath, Keep: opts.Keep}); err != nil {
		return d, err
	}
	if err := d.C.WaitReady(ctx); err != nil {
		return d, err
	}
	if err := d.seedSubscribers(ctx); err != nil {
		return d, err
	}
	if err := d.startAgent(); err != nil {
		return d, err
	}
	if d.opToken, err = d.token("--role", "operator", "--name", "drill"); err != nil {
		return d, err
	}
	d.Load = StartLoad(d.C.LB.URL(), opts.Readers)
	if err := d.waitSettled(ctx); err != nil {
		return d, err
	}
	d.settled = time.Now()
	d.Load.Watch()
	if err := d.openIncident(ctx); err != nil {
		return d, err
	}
	return d, nil
}

// config is the nodes' shared config: opts.Checks components probed from
// the local zone, one component probed by the agent, mail to the test
// server.
func (d *Drill) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, `[site]
title = "Drill Status"
timezone = "UTC"
public_url = "https://status.example.com"

[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
from = "Drill Status <status@example.com>"
auth = "plain"
username = %q
password_file = "smtp-password"
timeout = "5s"

[[zones]]
name = "local"
kind = "local"

[[zones]]
name = "remote"
kind = "remote"
`, d.SMTP.Port(), smtptest.User)
	for i := range d.opts.Checks {
		fmt.Fprintf(&b, `
[[components]]
slug = "c%02d"
name = "Service %02d"

  [[components.checks]]
  name = "c%02d-health"
  kind = "http"
  target = "%s/c%02d"
  interval = "1s"
  timeout = "1s"
  zones = ["local"]
`, i+1, i+1, i+1, d.local.URL, i+1)
	}
	b.WriteString("\n[[components]]\nslug = \"edge\"\nname = \"Edge\"\n")
	for i := range d.opts.AgentChecks {
		fmt.Fprintf(&b, `
  [[components.checks]]
  name = "edge-%d"
  kind = "http"
  target = "%s/edge-%d"
  interval = "1s"
  timeout = "1s"
  zones = ["remote"]
`, i+1, d.remote.URL, i+1)
	}
	return b.String()
}

func (d *Drill) token(args ...string) (string, error) {
	out, err := d.C.Run("", append([]string{"token", "create", "--config", "{config}"}, args...)...)
	if err != nil {
		return "", err
	}
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "ampel_") {
			return f, nil
		}
	}
	return "", fmt.Errorf("clustertest: no token in %q", out)
}

// startAgent starts an agent of the remote zone pushing through HAProxy.
func (d *Drill) startAgent() error {
	tok, err := d.token("--zone", "remote", "--name", "drill-agent")
	if err != nil {
		return err
	}
	d.Agent, err = d.C.StartAgent("remote", tok, d.C.LB.URL(), "--pull-interval", "5s")
	return err
}

// waitSettled waits until every component reads operational on every
// node, in components.json and summary.json (a follower shows a change
// about 100 ms after the leader, so one read through HAProxy is not
// enough), and the edge component's results (the agent's) arrived.
func (d *Drill) waitSettled(ctx context.Context) error {
	var last string
	err := waitFor(ctx, d.Agent, func() bool {
		for _, n := range d.C.Nodes {
			for _, path := range []string{"/api/v2/components.json", "/api/v2/summary.json"} {
				if last = d.unsettled(n.URL() + path); last != "" {
					return false
				}
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("clustertest: the drill never settled (%s): %w\nagent: %s", last, err, d.Agent.LogTail(2000))
	}
	return nil
}

// unsettled says what at url is not yet as the drill starts from (every
// component operational); "" when all is.
func (d *Drill) unsettled(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var doc struct {
		Components []struct {
			Name        string `json:"name"`
			Status      string `json:"status"`
			AmpelStatus string `json:"ampel_status"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return url + ": " + err.Error()
	}
	var off []string
	for _, c := range doc.Components {
		if c.Status != "operational" || (c.AmpelStatus != "" && c.AmpelStatus != "operational") {
			off = append(off, c.Name+" "+c.Status+"/"+c.AmpelStatus)
		}
	}
	if len(off) == 0 && len(doc.Components) >= d.opts.Checks+1 {
		return ""
	}
	return fmt.Sprintf("%s: %d components, not up: %v", url, len(doc.Components), off)
}

// openIncident opens the incident whose updates are mailed; it names no
// component, so it changes no component's status.
func (d *Drill) openIncident(ctx context.Context) error {
	var inc struct {
		ID int64 `json:"id"`
	}
	if err := d.api(ctx, "/api/v1/incidents", map[string]any{"name": "Failover drill", "body": "The drill starts.",
		"deliver_notifications": true}, &inc); err != nil {
		return err
	}
	d.incident = inc.ID
	d.updates = 1
	return nil
}

// PostUpdate posts an incident update mailed to every subscriber, through
// HAProxy, and waits until its first mail arrived.
func (d *Drill) PostUpdate(ctx context.Context) error {
	before := len(d.SMTP.Messages())
	if err := d.api(ctx, fmt.Sprintf("/api/v1/incidents/%d/updates", d.incident),
		map[string]any{"body": fmt.Sprintf("Update %d.", d.updates+1), "deliver_notifications": true}, nil); err != nil {
		return err
	}
	d.updates++
	return waitFor(ctx, nil, func() bool { return len(d.SMTP.Messages()) > before })
}

// api POSTs body as JSON to the operator API through HAProxy.
func (d *Drill) api(ctx context.Context, path string, body any, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", d.C.LB.URL()+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.opToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("clustertest: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("clustertest: POST %s: %s %s", path, resp.Status, rb)
	}
	if out != nil {
		return json.Unmarshal(rb, out)
	}
	return nil
}

// Close stops everything the drill started.
func (d *Drill) Close() error {
	if d.Load != nil {
		d.Load.Stop()
		d.Load = nil
	}
	var err error
	if d.C != nil {
		err = d.C.Close()
	}
	if d.SMTP != nil {
		d.SMTP.Close()
	}
	for _, s := range []*httptest.Server{d.local, d.remote} {
		if s != nil {
			s.Close()
		}
	}
	return err
}
