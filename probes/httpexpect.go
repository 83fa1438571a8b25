package probes

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// httpExpect holds the conditions on a response, compiled once.
type httpExpect struct {
	// status lists acceptable codes; empty means any 2xx.
	status   []int
	contains []byte
	regex    *regexp.Regexp
	// jsonPath is nil when no JSON condition is set. An empty jsonValue
	// only asks that the path exists.
	jsonPath  jsonPath
	jsonValue string
	headers   []headerExpect
	// degradedAfter is zero when latency never degrades.
	degradedAfter time.Duration
	// certDays is the certificate warning window; negative disables it.
	certDays int
	// certPublic makes a certificate within the window degrade the
	// result, as it did before; otherwise it is an operator notice.
	certPublic bool
}

// headerExpect asks that a response header contain a value.
type headerExpect struct {
	name  string // canonical
	value string
}

// newHTTPExpect compiles the response conditions of s.
func newHTTPExpect(s *config.HTTP) (httpExpect, error) {
	e := httpExpect{
		status:        s.ExpectStatus,
		contains:      []byte(s.BodyContains),
		jsonValue:     s.JSONValue,
		degradedAfter: s.DegradedAfter.D(),
		certDays:      s.CertExpiryDays,
		certPublic:    s.CertExpiryPublic,
	}
	if e.certDays == 0 {
		e.certDays = defaultCertExpiryDays
	}
	var errs []error
	for _, code := range s.ExpectStatus {
		if code < 100 || code > 599 {
			errs = append(errs, fmt.Errorf("http.expect_status: %d is not an HTTP status", code))
		}
	}
	if s.BodyRegex != "" {
		re, err := regexp.Compile(s.BodyRegex)
		if err != nil {
			errs = append(errs, fmt.Errorf("http.body_regex: %w", err))
		}
		e.regex = re
	}
	if s.JSONPath != "" {
		p, err := parseJSONPath(s.JSONPath)
		if err != nil {
			errs = append(errs, fmt.Errorf("http.json_path: %w", err))
		}
		e.jsonPath = p
		if p == nil {
			e.jsonPath = jsonPath{} // "$": the whole document
		}
	} else if s.JSONValue != "" {
		errs = append(errs, errors.New("http.json_value: needs json_path"))
	}
	// Sorted so the first failing header reported is the same every run.
	for _, name := range slices.Sorted(maps.Keys(s.ExpectHeaders)) {
		if !httpguts.ValidHeaderFieldName(name) {
			errs = append(errs, fmt.Errorf("http.expect_headers: invalid header name %q", name))
		}
		e.headers = append(e.headers, headerExpect{http.CanonicalHeaderKey(name), s.ExpectHeaders[name]})
	}
	return e, errors.Join(errs...)
}

// needsBody reports whether any condition reads the body.
func (e *httpExpect) needsBody() bool {
	return len(e.contains) > 0 || e.regex != nil || e.jsonPath != nil
}

// evaluate judges a response. Failures come first, in the order a person
// would check them; a response that passes may still be degraded by its
// latency or its certificate. A certificate within the warning window is
// an operator notice unless cert_expiry_public; one already expired (seen
// only with insecure_skip_verify) always degrades. Detail does not name
// the target: run adds it.
func (e *httpExpect) evaluate(resp *http.Response, body []byte, took time.Duration) Observation {
	if obs, failed := e.failure(resp, body); failed {
		return obs
	}
	var reasons, details []string
	var notice string
	if e.degradedAfter > 0 && took > e.degradedAfter {
		reasons = append(reasons, "slow response "+formatDuration(took))
		details = append(details, fmt.Sprintf("response took %s, degraded_after %s", took, e.degradedAfter))
	}
	if r, expired := leafExpiry(resp.TLS, e.certDays, time.Now()); r != "" {
		if expired || e.certPublic {
			reasons = append(reasons, r)
			details = append(details, leafDetail(resp.TLS))
		} else {
			notice = expiryNotice(r, resp.TLS)
		}
	}
	if len(reasons) == 0 {
		return Observation{Outcome: status.Up, Notice: notice}
	}
	return Observation{
		Outcome: status.Degraded,
		Reason:  strings.Join(reasons, "; "),
		Detail:  strings.Join(details, "; "),
		Notice:  notice,
	}
}

// failure returns the Down observation for the first condition not met.
func (e *httpExpect) failure(resp *http.Response, body []byte) (Observation, bool) {
	down := func(reason, detail string) (Observation, bool) {
		return Observation{Outcome: status.Down, Reason: reason, Detail: detail}, true
	}
	if !e.statusOK(resp.StatusCode) {
		return down("HTTP "+strconv.Itoa(resp.StatusCode), e.statusDetail(resp.StatusCode))
	}
	for _, h := range e.headers {
		if !headerContains(resp.Header[h.name], h.value) {
			return down("header "+h.name+" did not match",
				fmt.Sprintf("header %s: %q does not contain %q", h.name, resp.Header[h.name], h.value))
		}
	}
	if len(e.contains) > 0 && !bytes.Contains(body, e.contains) {
		return down("body did not match", fmt.Sprintf("body (%d bytes read) does not contain %q", len(body), e.contains))
	}
	if e.regex != nil && !e.regex.Match(body) {
		return down("body did not match", fmt.Sprintf("body (%d bytes read) does not match %q", len(body), e.regex))
	}
	if e.jsonPath != nil {
		return e.jsonFailure(body)
	}
	return Observation{}, false
}

// jsonFailure checks the JSON condition.
func (e *httpExpect) jsonFailure(body []byte) (Observation, bool) {
	got, err := e.jsonPath.lookup(body)
	switch {
	case errors.Is(err, errPathNotFound):
		return Observation{Outcome: status.Down, Reason: "unexpected JSON value",
			Detail: fmt.Sprintf("json_path %s: not found", e.jsonPath)}, true
	case err != nil:
		return Observation{Outcome: status.Down, Reason: "body is not JSON",
			Detail: fmt.Sprintf("json_path %s: %v", e.jsonPath, err)}, true
	case e.jsonValue != "" && got != e.jsonValue:
		return Observation{Outcome: status.Down, Reason: "unexpected JSON value",
			Detail: fmt.Sprintf("json_path %s: got %q, want %q", e.jsonPath, truncate(got, 200), e.jsonValue)}, true
	}
	return Observation{}, false
}

// statusOK applies expect_status, or the 2xx default.
func (e *httpExpect) statusOK(code int) bool {
	if len(e.status) == 0 {
		return code >= 200 && code <= 299
	}
	return slices.Contains(e.status, code)
}

func (e *httpExpect) statusDetail(code int) string {
	if len(e.status) == 0 {
		return fmt.Sprintf("status %d, want 2xx", code)
	}
	return fmt.Sprintf("status %d, want one of %v", code, e.status)
}

// headerContains reports whether any of the values contains want, ignoring
// case: header values such as media types and cache directives are case-
// insensitive. An empty want only asks that the header is present.
func headerContains(values []string, want string) bool {
	for _, v := range values {
		if containsFold(v, want) {
			return true
		}
	}
	return false
}

// containsFold is strings.Contains ignoring ASCII case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// truncate shortens s for a detail message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
