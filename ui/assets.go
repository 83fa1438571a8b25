package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static templates
var files embed.FS

// asset is one embedded static file, served under a URL that names its
// content hash so it can be cached for a year.
type asset struct{ sendable }

// assets maps hashed names ("app.1a2b3c4d.js") to files, and plain names
// ("app.js") to their hashed URLs.
type assets struct {
	byHashed map[string]*asset
	urls     map[string]string
}

func loadAssets() (*assets, error) {
	a := &assets{byHashed: map[string]*asset{}, urls: map[string]string{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil, fmt.Errorf("ui: static assets: %w", err)
	}
	for _, e := range entries {
		body, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("ui: static assets: %w", err)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hash + ext
		a.byHashed[hashed] = &asset{newSendable(body, gzipBytes(body), mime.TypeByExtension(ext), `"`+hash+`"`)}
		a.urls[e.Name()] = "/static/" + hashed
	}
	return a, nil
}

// url returns the hashed URL of a static file by its plain name.
func (a *assets) url(name string) string { return a.urls[name] }

func (a *assets) serve(c echo.Context) error {
	f, ok := a.byHashed[c.Param("name")]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return sendCached(c, &f.sendable)
}
