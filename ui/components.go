package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// Statuspage's timestamp layout: milliseconds and the zone offset.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// page is the "page" object of Statuspage's public API.
type page struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	TimeZone  string `json:"time_zone"`
	UpdatedAt string `json:"updated_at"`
}

// component is a component (or group) in Statuspage's public API shape.
type component struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Position           int      `json:"position"`
	Description        *string  `json:"description"`
	Showcase           bool     `json:"showcase"`
	StartDate          *string  `json:"start_date"`
	GroupID            *string  `json:"group_id"`
	PageID             string   `json:"page_id"`
	Group              bool     `json:"group"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	Components         []string `json:"components,omitempty"`
	// AmpelStatus is Ampel's own word for the status: Statuspage's, or
	// "no_data" where Status has to stand in for a component nobody
	// observes (see publishedLevel).
	AmpelStatus string `json:"ampel_status"`
}

// noDataStatus is what Ampel's Statuspage JSON says for a component with
// no fresh observation (every zone stale, or no check yet); ampel_status
// says "no_data". Statuspage has no "unknown", and "operational" would
// tell a customer's tool that all is well where nobody is watching;
// degraded_performance is the mildest word that does not claim that, and
// claims neither an outage nor planned work (docs/statuspage-json.md).
const noDataStatus = "degraded_performance"

// publishedLevel is the level whose Statuspage word the JSON publishes
// for l: NoData shows as Degraded.
func publishedLevel(l status.Level) status.Level {
	if l == status.NoData {
		return status.Degraded
	}
	return l
}

// groupStatus is the status and ampel_status of a group whose members
// are at levels: the worst of what its members show, as on Statuspage.
func groupStatus(levels []status.Level) (string, string) {
	shown := status.NoData
	for _, l := range levels {
		shown = status.Worst(shown, publishedLevel(l))
	}
	return shown.Statuspage(), ampelStatusOf(levels...)
}

// ampelStatusOf is the ampel_status of a component (or group) whose
// members are at levels: the Statuspage word of the worst, or "no_data"
// when some member is not observed and none is worse than up.
func ampelStatusOf(levels ...status.Level) string {
	w := status.Worst(levels...)
	if slices.Contains(levels, status.NoData) && !status.Worse(w, status.Up) {
		return "no_data"
	}
	return w.Statuspage()
}

type componentsBody struct {
	Page       page        `json:"page"`
	Components []component `json:"components"`
}

func (s *site) componentsJSON(c echo.Context) error {
	return s.serveJSON(c, "components.json", func(b base) (any, error) {
		return componentsBodyOf(s.d, b, s.d.Engine.Summaries()), nil
	})
}

// pageOf is the "page" object every Statuspage response starts with. Its
// url is absolute, the site's address for b (public_url, or the
// request's host by the host rule), as Statuspage's always is.
func pageOf(d Deps, b base) page {
	return page{
		ID: pageID(d), Name: d.Config.Site.Title, URL: b.URL,
		TimeZone: locOf(d).String(), UpdatedAt: stampOf(d)(d.Engine.UpdatedAt()),
	}
}

// locOf is the status page's time zone, UTC unless configured.
func locOf(d Deps) *time.Location {
	if d.Config != nil && d.Config.Location != nil {
		return d.Config.Location
	}
	return time.UTC
}

// stampOf formats times in Statuspage's layout in the site's zone; the
// zero time (nothing observed yet) is when serving began.
func stampOf(d Deps) func(time.Time) string {
	loc := locOf(d)
	return func(t time.Time) string {
		if t.IsZero() {
			t = d.Started
		}
		return t.In(loc).Format(timeLayout)
	}
}

// componentsBodyOf builds the body in Statuspage's shape. Groups are
// components with group=true listing their members, with the worst status
// of those members, as on Statuspage.
func componentsBodyOf(d Deps, b base, comps []state.Component) componentsBody {
	pageID := pageID(d)
	stamp := stampOf(d)
	body := componentsBody{Page: pageOf(d, b), Components: []component{}}
	groups := map[string]int{}                 // group name → index in body.Components
	groupSince := map[string]time.Time{}       // newest change among a group's members
	groupLevels := map[string][]status.Level{} // the members' levels
	groupCreated := map[string]time.Time{}     // the oldest member's created_at
	for _, comp := range comps {
		created := createdOf(d, comp.Slug)
		out := component{
			ID: comp.Slug, Name: comp.Name, Status: publishedLevel(comp.Level).Statuspage(), AmpelStatus: ampelStatusOf(comp.Level),
			CreatedAt: stamp(created), UpdatedAt: stamp(comp.Since),
			Position: comp.Position, Showcase: true, PageID: pageID,
		}
		if comp.Description != "" {
			out.Description = &comp.Description
		}
		if comp.Group != "" {
			gid := "group-" + slugify(comp.Group)
			out.GroupID = &gid
			i, ok := groups[comp.Group]
			if !ok {
				i = len(body.Components)
				groups[comp.Group] = i
				body.Components = append(body.Components, component{
					ID: gid, Name: comp.Group,
					CreatedAt: stamp(created), UpdatedAt: stamp(comp.Since),
					Position: comp.Position, PageID: pageID, Group: true,
				})
				groupCreated[comp.Group] = created
			}
			g := &body.Components[i]
			if created.Before(groupCreated[comp.Group]) { // a group is as old as its oldest member
				groupCreated[comp.Group] = created
				g.CreatedAt = stamp(created)
			}
			g.Components = append(g.Components, comp.Slug)
			// A group shows the worst of what its members show.
			levels := append(groupLevels[comp.Group], comp.Level)
			groupLevels[comp.Group] = levels
			g.Status, g.AmpelStatus = groupStatus(levels)
			if comp.Since.After(groupSince[comp.Group]) {
				groupSince[comp.Group] = comp.Since
				g.UpdatedAt = stamp(comp.Since)
			}
		}
		body.Components = append(body.Components, out)
	}
	return body
}

// createdOf is when a component first appeared (kept in the store, so it
// does not move with restarts), or when serving began without a store.
func createdOf(d Deps, slug string) time.Time {
	if t, ok := d.Created[slug]; ok {
		return t
	}
	return d.Started
}

// pageID is a stable identifier for this page: its public host, or "ampel".
func pageID(d Deps) string {
	u := d.Config.Site.PublicURL
	if _, rest, ok := strings.Cut(u, "://"); ok {
		host, _, _ := strings.Cut(rest, "/")
		if host != "" {
			return slugify(host)
		}
	}
	return "ampel"
}

// slugify lowercases s and keeps letters and digits, joining the rest with
// single dashes.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}
