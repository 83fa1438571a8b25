package ui

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/store"
)

// alertAttemptsShown is how many recent attempts the console lists per
// channel.
const alertAttemptsShown = 10

// alertsView is /admin/alerts: each channel with its recent deliveries,
// and the components silenced.
type alertsView struct {
	Channels   []alertChannelView
	Silences   []store.Silence
	Components []componentCount
	Durations  []silenceDuration
}

type alertChannelView struct {
	Name, Kind string
	Attempts   []alertAttemptView
}

type alertAttemptView struct {
	store.AlertAttempt
	// LatencyMS is the attempt's latency in milliseconds, for people.
	LatencyMS string
}

// silenceDuration is one choice of how long a silence lasts.
type silenceDuration struct {
	Value, Label string
}

var silenceDurations = []silenceDuration{
	{"30m", "30 minutes"}, {"1h", "1 hour"}, {"4h", "4 hours"}, {"24h", "24 hours"}, {"168h", "7 days"},
}

// alertPages adds the alert pages to the console group: every console
// user may look, send a test alert and silence a component; the audit log
// records silences.
func (k *console) alertPages(g *echo.Group) {
	g.GET("/alerts", k.alertsPage)
	g.POST("/alerts/:channel/test", k.testAlert)
	g.POST("/alerts/silence", k.silence)
}

func (k *console) alertsPage(c echo.Context) error {
	ctx := c.Request().Context()
	var v alertsView
	for _, ch := range k.d.Config.Alerts.Channels {
		atts, err := k.d.Store.AlertAttempts(ctx, ch.Name, alertAttemptsShown)
		if err != nil {
			return err
		}
		cv := alertChannelView{Name: ch.Name, Kind: ch.Kind}
		for _, a := range atts {
			cv.Attempts = append(cv.Attempts, alertAttemptView{AlertAttempt: a,
				LatencyMS: strconv.FormatFloat(float64(a.Latency.Microseconds())/1000, 'f', 1, 64)})
		}
		v.Channels = append(v.Channels, cv)
	}
	silences, err := k.d.Store.Silences(ctx, k.d.Now())
	if err != nil {
		return err
	}
	for _, s := range silences {
		v.Silences = append(v.Silences, s)
	}
	slices.SortFunc(v.Silences, func(a, b store.Silence) int { return a.Until.Compare(b.Until) })
	for _, comp := range k.d.Config.Components {
		v.Components = append(v.Components, componentCount{Slug: comp.Slug, Name: comp.Name})
	}
	v.Durations = silenceDurations
	return k.render(c, http.StatusOK, "alerts", v)
}

// testAlert queues a test alert to a configured channel.
func (k *console) testAlert(c echo.Context) error {
	name := c.Param("channel")
	if !slices.ContainsFunc(k.d.Config.Alerts.Channels, func(ch config.AlertChannel) bool { return ch.Name == name }) {
		return k.notFound(c, "such alert channel")
	}
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand)
	if err := k.d.Store.EnqueueTestAlert(c.Request().Context(), name, "test_"+hex.EncodeToString(b), k.d.Now()); err != nil {
		return err
	}
	return k.redirect(c, "/admin/alerts", "Test alert queued for "+name+": its delivery shows below in a moment.")
}

// silence silences a component for a period, or lifts its silence.
func (k *console) silence(c echo.Context) error {
	comp := c.FormValue("component")
	if k.d.Config.ComponentNames()[comp] == "" {
		return k.plain(c, http.StatusBadRequest, "No such component", "component: choose one of the components.")
	}
	now := k.d.Now()
	until := now
	if c.FormValue("lift") == "" {
		i := slices.IndexFunc(silenceDurations, func(d silenceDuration) bool { return d.Value == c.FormValue("for") })
		if i < 0 {
			return k.plain(c, http.StatusBadRequest, "Bad duration", "for: choose one of the durations offered.")
		}
		d, _ := time.ParseDuration(silenceDurations[i].Value)
		until = now.Add(d)
	}
	if err := k.d.Store.SilenceComponent(c.Request().Context(), comp, until, k.actor(c), now); err != nil {
		return err
	}
	if until.Equal(now) {
		return k.redirect(c, "/admin/alerts", "Alerts of "+comp+" are on again.")
	}
	return k.redirect(c, "/admin/alerts", "Alerts of "+comp+" are silenced until "+whenText(until.In(k.d.Config.Location))+".")
}
