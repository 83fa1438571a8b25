package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
)

// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
// Cookies"): a browser that signed in to an account gets a signed cookie
// naming it. With that cookie, its logins to that account are limited on
// the browser's own counter, so strangers who lock the account for every
// other client cannot lock out the operator's browser.
const (
	deviceCookie = "__Host-ampel_device"
	// deviceMaxAge is how long a device cookie is honoured after the
	// login that issued it; every login issues a fresh one.
	deviceMaxAge = 180 * 24 * time.Hour
	// maxDeviceCookie bounds the cookie we parse: ours are ~110 bytes.
	maxDeviceCookie = 256
)

// deviceMAC signs a device cookie's fields with a key derived from the
// account's password hash: a secret only the server holds, so no key
// needs storing, and a new password voids every device cookie of the
// account (the step an operator takes who fears a stolen one).
func deviceMAC(hash, fields string) string {
	m := hmac.New(sha256.New, []byte("ampel device cookie\x00"+hash))
	m.Write([]byte(fields))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setDevice gives the browser a fresh device cookie for account a.
func (k *console) setDevice(c echo.Context, a loginAccount, now time.Time) {
	fields := strconv.FormatInt(a.user.ID, 10) + "." + strconv.FormatInt(now.Unix(), 10) + "." + auth.NewSecret("")
	setCookie(c, deviceCookie, fields+"."+deviceMAC(a.hash, fields), int(deviceMaxAge/time.Second))
}

// deviceOf returns the id of the browser (the nonce of its device
// cookie) when the request carries a valid device cookie for account a,
// else "": the client is untrusted.
func deviceOf(c echo.Context, a loginAccount, now time.Time) string {
	ck, err := c.Cookie(deviceCookie)
	if err != nil || !a.known || len(ck.Value) > maxDeviceCookie {
		return ""
	}
	fields, mac, ok := cutLast(ck.Value, ".")
	parts := strings.Split(fields, ".")
	if !ok || len(parts) != 3 || parts[0] != strconv.FormatInt(a.user.ID, 10) {
		return ""
	}
	issued, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || now.Sub(time.Unix(issued, 0)) > deviceMaxAge || !hmac.Equal([]byte(mac), []byte(deviceMAC(a.hash, fields))) {
		return ""
	}
	return parts[2]
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
