package auth

import "strings"

// BearerToken returns the token of an "Authorization: Bearer TOKEN"
// header value, and whether the value uses the Bearer scheme with a
// token. The scheme's name is case-insensitive (RFC 9110 §11.1), so
// "bearer" and "BEARER" count, and spaces before the token are skipped.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.Trim(token, " \t")
	return token, token != ""
}
