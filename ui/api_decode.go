package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxAPIBody bounds an operator API request body.
const maxAPIBody = 256 << 10

// requestError is a request the API refuses: a status, the field at fault
// ("" for the body as a whole) and why.
type requestError struct {
	Status int
	Field  string
	Msg    string
}

func (e *requestError) Error() string { return e.Field + ": " + e.Msg }

func badField(field, format string, args ...any) *requestError {
	return &requestError{Status: http.StatusUnprocessableEntity, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// decodeStrict reads one JSON object from r into v: unknown fields, wrong
// types, trailing data and bodies over maxAPIBody (413, read no further
// than one byte past the limit) are errors naming what is wrong.
func decodeStrict(r io.Reader, v any) *requestError {
	body, err := io.ReadAll(io.LimitReader(r, maxAPIBody+1))
	if err != nil {
		return &requestError{Status: http.StatusBadRequest, Msg: "could not read the request body"}
	}
	if len(body) > maxAPIBody {
		return &requestError{Status: http.StatusRequestEntityTooLarge, Msg: "request body over 256 KiB"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &requestError{Status: http.StatusBadRequest, Msg: "a JSON object is required"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &requestError{Status: http.StatusBadRequest, Msg: "unexpected data after the JSON object"}
	}
	return nil
}

// decodeError names the field of a decoding error where there is one.
func decodeError(err error) *requestError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return &requestError{Status: http.StatusBadRequest, Msg: "a JSON object is required"}
		}
		return &requestError{Status: http.StatusBadRequest, Field: te.Field, Msg: "wrong type: want " + jsonType(te.Type.Kind().String())}
	case errors.As(err, &se):
		return &requestError{Status: http.StatusBadRequest, Msg: fmt.Sprintf("invalid JSON at byte %d", se.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &requestError{Status: http.StatusBadRequest, Msg: "truncated JSON"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &requestError{Status: http.StatusBadRequest, Field: name, Msg: "unknown field " + name}
	}
	return &requestError{Status: http.StatusBadRequest, Msg: "invalid JSON"}
}

// jsonType names a Go kind the way a JSON client thinks of it.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	case "ptr":
		return "a value of another type"
	}
	return "number"
}

// parseTime reads an RFC 3339 time of a field; "" or nil is the zero time.
func parseTime(field string, s *string) (time.Time, *requestError) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return time.Time{}, badField(field, "want an RFC 3339 time such as 2026-11-23T03:00:00+01:00")
	}
	return t.UTC(), nil
}

// parseNullableTime reads a field that is absent (nil: leave as is), null
// (a pointer to the zero time: clear it) or an RFC 3339 time.
func parseNullableTime(field string, raw json.RawMessage) (*time.Time, *requestError) {
	if raw == nil {
		return nil, nil
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return &time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &requestError{Status: http.StatusBadRequest, Field: field, Msg: "wrong type: want an RFC 3339 time as a string, or null"}
	}
	if s == "" {
		return &time.Time{}, nil
	}
	t, rerr := parseTime(field, &s)
	if rerr != nil {
		return nil, rerr
	}
	return &t, nil
}
