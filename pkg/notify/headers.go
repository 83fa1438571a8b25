package notify

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ampelstatus/ampel/store"
)

// messageID is stable per (event, subscriber): a mail sent again after a
// crash carries the same id, so receivers and the .eml folder see one
// message. The install's random part (store.InstallID) keeps a second
// install with the same sender domain from repeating the ids of the first,
// which receivers would drop. The opening mail of an incident or window
// is the thread root.
func (c *composer) messageID(row store.OutboxMail) string {
	if parts := strings.Split(row.EventKey, ":"); len(parts) == 3 && parts[2] == "created" {
		return c.root(parts[0], parts[1], row.SubscriberID)
	}
	return c.idPrefix() + strings.ReplaceAll(row.EventKey, ":", ".") + ".s" + strconv.FormatInt(row.SubscriberID, 10) + "@" + c.domain
}

// idPrefix starts every Message-ID: "ampel.", the install's part, ".".
func (c *composer) idPrefix() string { return "ampel." + c.install + "." }

// threadRoot is the Message-ID every later mail about the same incident
// or window refers to (In-Reply-To, References), so they thread; "" for
// the opening mail itself and for confirmations.
func (c *composer) threadRoot(row store.OutboxMail) string {
	if row.ObjectType != "incident" && row.ObjectType != "maintenance" {
		return ""
	}
	id := strconv.FormatInt(row.ObjectID, 10)
	root := c.root(row.ObjectType, id, row.SubscriberID)
	if c.messageID(row) == root {
		return ""
	}
	return root
}

func (c *composer) root(objectType, id string, sub int64) string {
	return c.idPrefix() + objectType + "." + id + ".s" + strconv.FormatInt(sub, 10) + "@" + c.domain
}

// maxSubject bounds a subject in characters.
const maxSubject = 200

// subjectLine makes text safe as a subject: no CR, LF or other control
// characters (a header injection), runs of space folded to one, at most
// maxSubject characters.
func subjectLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxSubject {
		s = string(r[:maxSubject-1]) + "…"
	}
	return s
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
