package ui

import (
	"html"
	"html/template"
	"strings"
)

// cellsHTML writes the month cells of one row of the months table. It
// and thisRowHTML build the two big tables' rows here rather than in the
// template because html/template's per-action escaping made up most of
// the time to render a page of 1,000 components × 13 months (65,000
// actions); every value is escaped with html.EscapeString.
func cellsHTML(l loc, cells []monthCell) template.HTML {
	var b strings.Builder
	b.Grow(len(cells) * 80)
	for _, c := range cells {
		b.WriteString(`<td class="`)
		b.WriteString(html.EscapeString(c.Class))
		b.WriteString(`"><a href="`)
		b.WriteString(html.EscapeString(l.href(c.Link)))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(c.Pct))
		b.WriteString(`</a>`)
		if c.Missed != "" {
			// Said in words too, not by colour alone.
			b.WriteString(` <span class="credit">`)
			b.WriteString(html.EscapeString(c.Missed))
			b.WriteString(`</span>`)
		}
		if c.Credit != "" {
			b.WriteString(` <span class="credit">`)
			b.WriteString(html.EscapeString(c.Credit))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</td>`)
	}
	return template.HTML(b.String())
}

// thisRowHTML writes a component's row of the this-month table.
func thisRowHTML(l loc, c availCompView) template.HTML {
	var b strings.Builder
	b.Grow(600)
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	td := func(class, text string) {
		b.WriteString("<td")
		if class != "" {
			b.WriteString(` class="`)
			esc(class)
			b.WriteString(`"`)
		}
		b.WriteString(">")
		esc(text)
		b.WriteString("</td>")
	}
	b.WriteString(`<tr><th scope="row"><a href="`)
	esc(l.href(c.Months[0].Link))
	b.WriteString(`">`)
	esc(c.Name)
	b.WriteString("</a></th>")
	td("", c.SLO)
	pct := c.This.Pct
	if c.This.Verdict != "" {
		pct += " " + c.This.Verdict
	}
	td(c.This.Class, pct)
	td("", c.This.Major)
	td("", c.This.Partial)
	td("", c.This.Maintenance)
	td("", c.This.NoData)
	td(c.This.BudgetClass, c.This.BudgetText)
	td("", c.This.Burn)
	td(c.Window.Class, c.Window.Pct)
	b.WriteString("</tr>")
	return template.HTML(b.String())
}
