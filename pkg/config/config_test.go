package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestExample loads the reference file the README's first command runs.
func TestExample(t *testing.T) {
	cfg, err := Load("../../config.example.toml", kinds)
	if err != nil {
		t.Fatalf("config.example.toml does not validate:\n%v", err)
	}
	if got, want := cfg.Summary(), "2 components, 3 checks, 1 zone"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	dir, _ := filepath.Abs("../..")
	if want := filepath.Join(dir, "data", "ampel.db"); cfg.Storage.Path != want {
		t.Errorf("storage.path = %q, want %q", cfg.Storage.Path, want)
	}
	if cfg.Dir != dir || cfg.Path != "../../config.example.toml" {
		t.Errorf("Dir, Path = %q, %q", cfg.Dir, cfg.Path)
	}
	if cfg.Location != time.UTC || cfg.Storage.Retention.D() != 30*24*time.Hour {
		t.Errorf("location %v, retention %v", cfg.Location, cfg.Storage.Retention)
	}
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			// The first command runs offline: every target is loopback.
			if !strings.Contains(chk.Target, "127.0.0.1") && chk.Target != "localhost" {
				t.Errorf("check %s targets %q, not loopback", chk.Name, chk.Target)
			}
		}
	}
	dns := cfg.Components[1].Checks[0]
	if dns.Timeout.D() != 10*time.Second || !slices.Equal(dns.Zones, []string{"local"}) ||
		dns.FailuresToDown != 2 || dns.SuccessesToUp != 1 || dns.OnDown != "major_outage" || dns.DNS == nil {
		t.Errorf("dns check defaults: %+v", dns)
	}
}

// TestDefaults pins the defaults an empty file gets.
func TestDefaults(t *testing.T) {
	cfg := parse(t, "")
	want := []struct {
		name      string
		got, want any
	}{
		{"site.title", cfg.Site.Title, "Status"},
		{"site.timezone", cfg.Site.Timezone, "UTC"},
		{"site.language", cfg.Site.Language, "en"},
		{"site.slo", cfg.Site.SLO, 99.9},
		{"server.listen", cfg.Server.Listen, "127.0.0.1:8080"},
		{"server.shutdown_timeout", cfg.Server.ShutdownTimeout.D(), 10 * time.Second},
		{"storage.retention", cfg.Storage.Retention.D(), 30 * 24 * time.Hour},
		{"scheduler.max_concurrent", cfg.ProbeWorkers(), 256},
		{"zones", len(cfg.Zones), 1},
		{"zones[0]", cfg.Zones[0], Zone{Name: "local", Kind: "local"}},
		{"summary", cfg.Summary(), "0 components, 0 checks, 1 zone"},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s = %v, want %v", w.name, w.got, w.want)
		}
	}
	if filepath.Base(cfg.Storage.Path) != "ampel.db" || !filepath.IsAbs(cfg.Storage.Path) {
		t.Errorf("storage.path = %q, want an absolute path", cfg.Storage.Path)
	}
}

// TestCheckDefaults covers the per-check defaults, the timeout's cap by
// the interval in particular.
func TestCheckDefaults(t *testing.T) {
	tests := []struct {
		name              string
		lines             string
		interval, timeout time.Duration
		zones             []string
	}{
		{"all defaults", ``, time.Minute, 10 * time.Second, []string{"a", "b"}},
		{"short interval caps the timeout", `interval = "5s"`, 5 * time.Second, 5 * time.Second, []string{"a", "b"}},
		{"explicit timeout", "interval = \"30s\"\ntimeout = \"2s\"", 30 * time.Second, 2 * time.Second, []string{"a", "b"}},
		{"explicit zones", `zones = ["b"]`, time.Minute, 10 * time.Second, []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := parse(t, `
[[zones]]
name = "a"
kind = "local"
[[zones]]
name = "b"
kind = "remote"
[[components]]
slug = "api"
name = "API"
[[components.checks]]
name = "api"
kind = "http"
target = "http://127.0.0.1/"
`+tt.lines)
			chk := cfg.Components[0].Checks[0]
			if chk.Interval.D() != tt.interval || chk.Timeout.D() != tt.timeout || !slices.Equal(chk.Zones, tt.zones) {
				t.Errorf("interval %v, timeout %v, zones %v; want %v, %v, %v",
					chk.Interval, chk.Timeout, chk.Zones, tt.interval, tt.timeout, tt.zones)
			}
			if chk.FailuresToDown != 2 || chk.SuccessesToUp != 1 || chk.Quorum != 0 ||
				chk.OnDown != "major_outage" || chk.OnPartial != "partial_outage" || chk.OnDegraded != "degraded_performance" {
				t.Errorf("thresholds and statuses: %+v", chk)
			}
			if chk.HTTP == nil || chk.TCP != nil {
				t.Errorf("kind table: http %v, tcp %v", chk.HTTP, chk.TCP)
			}
		})
	}
}

// TestFiles covers what is read or resolved relative to the file's folder.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "secrets", "metrics"), "  tok3n\n")
	path := write(t, filepath.Join(dir, "ampel.toml"), `
[server]
metrics_token_file = "secrets/metrics"
[storage]
path = "db/ampel.db"
[[components]]
slug = "api"
name = "API"
[[components.checks]]
name = "api"
kind = "http"
target = "https://api.example.com/"
[components.checks.http]
bearer_token_file = "secrets/bearer"
[components.checks.http.tls]
ca_file = "/etc/ssl/ca.pem"
cert_file = "client.pem"
key_file = "client-key.pem"
`)
	cfg, err := Load(path, kinds)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Components[0].Checks[0].HTTP
	for _, c := range []struct{ name, got, want string }{
		{"metrics_token", string(cfg.Server.MetricsToken), "tok3n"},
		{"storage.path", cfg.Storage.Path, filepath.Join(dir, "db", "ampel.db")},
		{"bearer_token_file", h.BearerTokenFile, filepath.Join(dir, "secrets", "bearer")},
		{"ca_file", h.TLSClient.CAFile, "/etc/ssl/ca.pem"},
		{"cert_file", h.TLSClient.CertFile, filepath.Join(dir, "client.pem")},
		{"Dir", cfg.Dir, dir},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if s := cfg.Server.MetricsToken.String(); s != "<secret>" {
		t.Errorf("Secret prints as %q", s)
	}
}

// TestLoadMissingFile: an unreadable file is a plain error, not Problems.
func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), kinds)
	if !os.IsNotExist(err) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

// TestCRLFAndBOM: files saved by Windows editors load too.
func TestCRLFAndBOM(t *testing.T) {
	cfg := parse(t, "\ufeff[site]\r\ntitle = \"Win\"\r\n")
	if cfg.Site.Title != "Win" {
		t.Errorf("title = %q", cfg.Site.Title)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true},
		{"1m30s", 90 * time.Second, true},
		{"250ms", 250 * time.Millisecond, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"-2d", -48 * time.Hour, true},
		{"0", 0, true},
		{"", 0, false},
		{"d", 0, false},
		{"5", 0, false},
		{"5 minutes", 0, false},
		{"1d-2h", 0, false},
		{"1d1d", 0, false},
		{"1w", 0, false},
		{"99999999d", 0, false},
		{"106751d23h47m16.854775807s", time.Duration(1<<63 - 1), true},
		{"106751d23h47m16.854775808s", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{250 * time.Millisecond, "250ms"},
		{30 * time.Second, "30s"},
		{90 * time.Second, "1m30s"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "1d12h"},
		{30 * 24 * time.Hour, "30d"},
		{-36 * time.Hour, "-1d12h"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			d := Duration(tt.d)
			b, err := d.MarshalText()
			if err != nil || string(b) != tt.want {
				t.Fatalf("MarshalText = %q, %v; want %q", b, err, tt.want)
			}
			var back Duration
			if err := back.UnmarshalText(b); err != nil || back != d {
				t.Errorf("UnmarshalText(%q) = %v, %v", b, back, err)
			}
		})
	}
}

// TestCheckJSON: checks travel to agents as JSON, durations as strings.
func TestCheckJSON(t *testing.T) {
	in := Check{Name: "api", Kind: "http", Interval: Duration(30 * time.Second), Timeout: Duration(5 * time.Second),
		HTTP: &HTTP{DegradedAfter: Duration(2 * time.Second)}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"interval":"30s"`, `"timeout":"5s"`, `"degraded_after":"2s"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var out Check
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Interval != in.Interval || out.Timeout != in.Timeout || out.HTTP.DegradedAfter != in.HTTP.DegradedAfter {
		t.Errorf("round trip: %+v", out)
	}
}

func TestSummary(t *testing.T) {
	c := &Config{Zones: make([]Zone, 2), Components: []Component{{Checks: make([]Check, 2)}, {Checks: make([]Check, 3)}, {}}}
	if got, want := c.Summary(), "3 components, 5 checks, 2 zones"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

// TestProbeWorkers: an absent scheduler.max_concurrent gives one
// second's worth of the local zones' runs, between 256 and 4,096; a set
// one is kept.
func TestProbeWorkers(t *testing.T) {
	fleet := func(checks int, interval time.Duration, zones ...Zone) *Config {
		c := &Config{Zones: zones, Components: []Component{{}}}
		names := make([]string, len(zones))
		for i, z := range zones {
			names[i] = z.Name
		}
		for range checks {
			c.Components[0].Checks = append(c.Components[0].Checks, Check{Kind: "http", Interval: Duration(interval), Zones: names})
		}
		return c
	}
	local, remote := Zone{Name: "local", Kind: "local"}, Zone{Name: "eu", Kind: "remote"}
	heartbeats := fleet(100000, time.Second, local)
	for i := range heartbeats.Components[0].Checks {
		heartbeats.Components[0].Checks[i].Kind = "heartbeat"
	}
	set := fleet(100000, time.Second, local)
	set.Scheduler.MaxConcurrent = 4
	for _, c := range []struct {
		name string
		cfg  *Config
		want int
	}{
		{"100,000 at 60 s", fleet(100000, time.Minute, local), 1667},
		{"100,000 at 60 s, one zone remote", fleet(100000, time.Minute, local, remote), 1667},
		{"100,000 at 60 s, only remote", fleet(100000, time.Minute, remote), 256},
		{"1,000 at 10 s", fleet(1000, 10*time.Second, local), 256},
		{"100,000 at 10 s", fleet(100000, 10*time.Second, local), 4096},
		{"heartbeats", heartbeats, 256},
		{"set", set, 4},
	} {
		if got := c.cfg.ProbeWorkers(); got != c.want {
			t.Errorf("%s: ProbeWorkers() = %d, want %d", c.name, got, c.want)
		}
	}
}

// parse parses doc as a file in a temporary folder and fails on problems.
func parse(t *testing.T, doc string) *Config {
	t.Helper()
	cfg, err := Parse(filepath.Join(t.TempDir(), "config.toml"), []byte(doc), kinds)
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return cfg
}

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExampleDocumentsEveryKey: config.example.toml is the reference, so
// every key of Config appears in it, set or commented out.
func TestExampleDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, key := range tomlKeys(reflect.TypeFor[Config]()) {
		re := regexp.MustCompile(`(?m)(^[#\s]*` + key + `\s*=|\.` + key + `\]|\[\[?` + key + `\]\]?)`)
		if !re.MatchString(doc) {
			t.Errorf("config.example.toml does not document %q", key)
		}
	}
}

// tomlKeys lists the TOML key names of a struct type and the structs it
// holds.
func tomlKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, name)
		keys = append(keys, tomlKeys(f.Type)...)
	}
	return keys
}

// TestMetricsTokenFile covers reading server.metrics_token_file.
func TestMetricsTokenFile(t *testing.T) {
	tests := []struct {
		name, content, want, problem string
	}{
		{"trailing newline", "s3cret\n", "s3cret", ""},
		{"empty", " \n", "", "is empty"},
		{"too large", strings.Repeat("x", maxSecret+1), "", "not a secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "token"), tt.content)
			cfg, err := Parse(filepath.Join(dir, "c.toml"), []byte("[server]\nmetrics_token_file = \"token\"\n"), kinds)
			if tt.problem == "" {
				if err != nil || string(cfg.Server.MetricsToken) != tt.want {
					t.Fatalf("token %q, err %v; want %q", cfg.Server.MetricsToken, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "c.toml:2: server.metrics_token_file: ") ||
				!strings.Contains(err.Error(), tt.problem) {
				t.Errorf("err = %v, want %q", err, tt.problem)
			}
		})
	}
}

// TestTrustedProxiesParse: addresses become one-address ranges, CIDR
// ranges stay as written.
func TestTrustedProxiesParse(t *testing.T) {
	cfg, err := Parse(filepath.Join(t.TempDir(), "c.toml"), []byte("[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n"), kinds)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range cfg.Server.Proxies {
		got = append(got, n.String())
	}
	if want := "127.0.0.1/32 10.0.0.0/8 ::1/128"; strings.Join(got, " ") != want {
		t.Errorf("proxies %v, want %s", got, want)
	}
}
