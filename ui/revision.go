package ui

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// editPrefixes are where operators change incidents and maintenance: the
// operator API and the console.
var editPrefixes = []string{"/api/v1/", "/admin"}

// bumpOnEdit makes every successful change by an operator (a non-GET
// request under editPrefixes answered below 400) count as a new state
// version, so cached pages and JSON show it at once instead of within
// refreshEvery. A failed or rejected request leaves the cache alone. The
// count moves as the answer's status is written, after the change is
// stored and before the client can read the answer and ask for a page.
func (s *site) bumpOnEdit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, res := c.Request(), c.Response()
		switch req.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if isEditPath(req.URL.Path) {
			res.Before(func() {
				if res.Status < 400 {
					s.edits.Add(1)
				}
			})
		}
		return next(c)
	}
}

func isEditPath(p string) bool {
	for _, pre := range editPrefixes {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}
