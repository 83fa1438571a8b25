package ui

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// auditPageSize is how many entries one audit page shows.
const auditPageSize = 50

// auditView is one page of the audit log, newest first. Older is the
// "before" of the next page (0: none); Newer says this is not the first.
type auditView struct {
	Entries []store.AuditEntry
	Older   int64
	Newer   bool
}

func (k *console) auditPage(c echo.Context) error {
	before, err := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if c.QueryParam("before") == "" {
		before, err = 0, nil
	}
	if err != nil || before < 0 {
		return k.plain(c, http.StatusBadRequest, "Bad page", "The page number is not one this log has.")
	}
	entries, err := k.d.Store.AuditLogBefore(c.Request().Context(), before, auditPageSize+1)
	if err != nil {
		return err
	}
	v := auditView{Entries: entries, Newer: before > 0}
	if len(entries) > auditPageSize {
		v.Entries = entries[:auditPageSize]
		v.Older = v.Entries[auditPageSize-1].ID
	}
	return k.render(c, http.StatusOK, "audit", v)
}

// auditLine is one line of the JSON Lines export.
type auditLine struct {
	ID         int64           `json:"id"`
	At         string          `json:"at"`
	ActorKind  string          `json:"actor_kind"`
	ActorID    int64           `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   int64           `json:"object_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}

// auditExport streams the whole log, oldest first, one JSON object a
// line, reading it a page at a time so memory stays flat.
func (k *console) auditExport(c echo.Context) error {
	ctx := c.Request().Context()
	h := c.Response().Header()
	h.Set("Content-Type", "application/jsonl; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="ampel-audit.jsonl"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	enc := json.NewEncoder(c.Response())
	var after int64
	for {
		page, err := k.d.Store.AuditLog(ctx, after, 500)
		if err != nil {
			// The status is sent: cut the stream short, visibly in the log.
			k.d.Logger.Error("audit export", "err", err)
			return nil
		}
		for _, e := range page {
			l := auditLine{ID: e.ID, At: e.At.Format("2006-01-02T15:04:05.000Z07:00"), ActorKind: e.Actor.Kind,
				ActorID: e.Actor.ID, ActorName: e.Actor.Name, Action: e.Action, ObjectType: e.ObjectType,
				ObjectID: e.ObjectID, Before: nullRaw(e.Before), After: nullRaw(e.After)}
			if err := enc.Encode(l); err != nil {
				return nil // the client went away
			}
			after = e.ID
		}
		if len(page) < 500 {
			return nil
		}
		c.Response().Flush()
	}
}

// nullRaw is JSON null for a missing side of a change.
func nullRaw(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}
