package demo

// story is what the status page said about an outage of one component:
// the title and the bodies of the "identified" and "monitoring" updates.
// The partial variants are for an outage in one zone.
type story struct {
	title, partialTitle string
	identified          string
	monitoring          string
}

// stories tells each component's outages; several per component, taken in
// turn, so the history does not repeat itself.
var stories = map[string][]story{
	"auth": {
		{"Sign-in failing", "Sign-in failing for some customers",
			"The session store ran out of connections after a configuration change. We are **rolling the change back**.",
			"The rollback is complete and sign-ins succeed again. We are watching error rates before closing this."},
		{"Token refresh errors", "Token refresh errors in one region",
			"An expired internal certificate made the token service reject its own signing keys. A renewed certificate is being deployed.",
			"The new certificate is live; API tokens refresh normally. Tokens issued during the incident stay valid."},
	},
	"dashboard": {
		{"Dashboard unavailable", "Dashboard unavailable for some customers",
			"A release of the web application failed its database migration and left the app servers unable to start. We are reverting to the previous release.",
			"The previous release is back in service and the dashboard loads again. The failed migration will be retried in a maintenance window."},
		{"Dashboard returning errors", "Dashboard errors in one region",
			"The load balancer health checks were pointed at a removed endpoint, so every app server was taken out of rotation. The checks have been corrected.",
			"Servers are back in rotation and pages load normally. We are adding an alert for an empty pool."},
	},
	"search": {
		{"Search unavailable", "Search unavailable in one region",
			"Two search nodes ran out of disk space while merging index segments and the cluster stopped accepting queries. Space has been freed.",
			"The cluster is green again and queries succeed. Results for documents changed during the outage are being re-indexed."},
		{"Search queries failing", "Search queries failing for some customers",
			"A mapping change rejected queries with an unknown field. The change has been reverted.",
			"Queries succeed again. We are adding the failing query shapes to our release tests."},
	},
	"webhooks": {
		{"Webhook deliveries failing", "Webhook deliveries delayed in one region",
			"The delivery queue's consumers crashed on a malformed payload and stopped taking work. A fix that skips and logs such payloads is being deployed.",
			"Consumers are running and the backlog is draining; **no webhook was lost** — delayed events are delivered in order."},
		{"Webhooks not delivered", "Webhook delivery errors in one region",
			"Outgoing connections were blocked by a firewall rule pushed with routine network changes. The rule has been removed.",
			"Deliveries go out again and retries of the failed ones are under way."},
	},
	"mail": {
		{"Email delivery stopped", "Email delivery delayed in one region",
			"The mail relay's TLS certificate expired and upstream servers refused our connections. A new certificate is being installed.",
			"The relay accepts connections again and queued messages are going out. Some emails will arrive late."},
		{"Outgoing email failing", "Outgoing email failing in one region",
			"The relay's spool volume filled up and it began refusing messages. We have expanded the volume.",
			"The relay accepts mail again and is sending the queue. We are watching the spool size."},
	},
	"cdn": {
		{"Static assets not loading", "Static assets slow or missing in one region",
			"Our CDN provider reports a faulty configuration push at several edge locations. They are rolling it back.",
			"The provider's rollback is complete and assets load from the edge again. Browsers may need a reload."},
		{"CDN errors", "CDN errors in one region",
			"An origin certificate rotation left the edge unable to reach our origin. The previous certificate has been restored.",
			"The edge fetches from the origin again; error rates are back to normal."},
	},
}

// investigating and resolved are the first and the last words, taken in
// turn; %s is the component's name.
var (
	investigating = []string{
		"We are investigating reports of errors from %s. More soon.",
		"Our monitoring shows errors from %s. We are looking into it.",
		"Many requests to %s are failing. Engineers are investigating.",
	}
	resolved = []string{
		"This incident is resolved; service for %s has been normal for a while now. We are sorry for the disruption.",
		"Service for %s is fully restored. Thank you for your patience.",
		"Resolved. Error rates for %s have been normal since the fix; we will follow up on what went wrong.",
	}
)

// regions names the zones' customers for the partial outages.
var regions = map[string]string{
	"eu-central":   "Europe",
	"us-east":      "North America",
	"ap-southeast": "Asia-Pacific",
}
