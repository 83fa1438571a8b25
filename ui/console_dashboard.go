package ui

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// dashboardView is what the dashboard shows: what is open, and what may
// need an operator's attention.
type dashboardView struct {
	// Fleet is every component, worst first, with its checks per zone.
	Fleet        []fleetComponent
	Incidents    []store.Incident
	Maintenances []store.Maintenance
	Zones        []zoneLine
	Agents       []store.Agent
	// Backup is the snapshots' status; nil when unknown. BackupOff says
	// the config turned them off; BackupPostgres that the history is on
	// PostgreSQL, which its own tools back up.
	Backup         *backupLine
	BackupOff      bool
	BackupPostgres bool
	// Cluster is set in cluster mode: the nodes seen lately, and which
	// leads.
	Cluster *clusterView
}

// clusterView is the cluster's nodes at a glance.
type clusterView struct {
	Nodes  []nodeLine
	Leader string // "" while no term runs
	Epoch  int64
}

// nodeLine is one node as it last reported itself; Ago is by the
// database's clock, which every node shares.
type nodeLine struct {
	store.Node
	Leads bool
	Ago   time.Duration
}

// nodesSeenWithin is how far back the dashboard lists nodes: one stopped
// yesterday still shows, with when it was last seen.
const nodesSeenWithin = 24 * time.Hour

// backupLine is the scheduled snapshots at a glance.
type backupLine struct {
	Last       time.Time // zero before the first
	Size       int64
	Kept       int
	Failures   uint64
	Err        string // the last attempt's error, if it failed
	HasCommand bool
	CommandOK  bool
}

// zoneLine is one zone's fresh and stale checks.
type zoneLine struct {
	Name         string
	Fresh, Stale int
}

// maxDashboardIncidents bounds the list: more open incidents than this
// are a problem the incidents page shows whole.
const maxDashboardIncidents = 50

func (k *console) dashboard(c echo.Context) error {
	ctx := c.Request().Context()
	var v dashboardView
	var err error
	if v.Incidents, err = k.d.Store.Incidents(ctx, true, maxDashboardIncidents); err != nil {
		return err
	}
	if v.Maintenances, err = k.d.Store.OpenMaintenances(ctx); err != nil {
		return err
	}
	if v.Agents, err = k.d.Store.Agents(ctx); err != nil {
		return err
	}
	if k.d.Engine != nil {
		v.Fleet = fleetOf(k.d.Engine.Components())
		for name, f := range k.d.Engine.Freshness() {
			v.Zones = append(v.Zones, zoneLine{Name: name, Fresh: f.Fresh, Stale: f.Stale})
		}
		slices.SortFunc(v.Zones, func(a, b zoneLine) int {
			if a.Stale != b.Stale {
				return b.Stale - a.Stale
			}
			return cmp.Compare(a.Name, b.Name)
		})
	}
	if k.d.Backups != nil {
		s := k.d.Backups()
		v.Backup = &backupLine{Last: s.Last.At, Size: s.Last.Size, Kept: s.Kept, Failures: s.Failures,
			HasCommand: len(k.d.Config.Backup.Command) > 0, CommandOK: s.CommandOK}
		if s.LastErr != nil {
			v.Backup.Err = s.LastErr.Error()
		}
	} else {
		v.BackupOff = !k.d.Config.Backup.Enabled
		v.BackupPostgres = k.d.Config.Storage.Postgres()
	}
	if k.d.Config.Cluster.Enabled {
		if v.Cluster, err = k.clusterView(c); err != nil {
			return err
		}
	}
	return k.render(c, http.StatusOK, "dashboard", v)
}

// clusterView reads the nodes and the lease.
func (k *console) clusterView(c echo.Context) (*clusterView, error) {
	ctx := c.Request().Context()
	nodes, now, err := k.d.Store.Nodes(ctx, nodesSeenWithin)
	if err != nil {
		return nil, err
	}
	l, err := k.d.Store.ReadLease(ctx)
	if err != nil {
		return nil, err
	}
	v := &clusterView{}
	if l.Holder != "" && l.Expires.After(l.Now) {
		v.Leader, v.Epoch = l.Holder, l.Epoch
	}
	for _, n := range nodes {
		v.Nodes = append(v.Nodes, nodeLine{Node: n, Leads: n.Node == v.Leader, Ago: now.Sub(n.Seen).Round(time.Second)})
	}
	return v, nil
}
