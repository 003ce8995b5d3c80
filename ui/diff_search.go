package ui

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/render"
)

// The dry run's search (/, ] and [), line jump (:) and filters (f by
// action, F by changed field).

// openDiffPrompt opens the dry run's search or go-to-line prompt.
func (m *Model) openDiffPrompt(kind promptKind) tea.Cmd {
	d := &m.diff
	var pr *prompt
	if kind == promptSearch {
		pr = newPrompt(ScreenDiff, kind, "Search the dry run (emails, fields, old and new values, reasons; any case)",
			"enter goes to the first row after the cursor that matches; ] and [ then go to the next and previous.", m.isDark, "Find")
		pr.setValue(0, d.search)
	} else {
		pr = newPrompt(ScreenDiff, kind, "Go to the row of a file line", "", m.isDark, "Line")
	}
	m.openDialog(pr)
	return pr.focusCmd()
}

// applyDiffPrompt acts on the answer to the dry run's prompt.
func (m *Model) applyDiffPrompt(msg promptAnsweredMsg) tea.Cmd {
	if msg.kind == promptLine {
		return m.diffGoToLine(msg.values[0])
	}
	m.diff.search = msg.values[0]
	return m.searchDiff(m.diff.search, false)
}

// order is every plan row in the order the list shows them: by group,
// then file order; filters do not apply (a match they hide drops them).
func (d *diffScreen) order() []int {
	out := make([]int, 0, len(d.plan.Rows))
	for _, a := range groupOrder {
		out = append(out, d.groups[a]...)
	}
	return out
}

// searchDiff moves to the next (back: previous) plan row after the cursor
// whose email, line, changes, created fields or reasons hold q.
func (m *Model) searchDiff(q string, back bool) tea.Cmd {
	d := &m.diff
	if strings.TrimSpace(q) == "" {
		return m.setStatus(sevInfo, "/ searches the dry run; type what to find.")
	}
	if d.plan == nil {
		return nil
	}
	line := strings.TrimSpace(q)
	if _, err := strconv.Atoi(line); err != nil {
		line = ""
	}
	order := d.order()
	at := -1
	if cur := d.cursorRow(); cur >= 0 {
		for k, i := range order {
			if i == cur {
				at = k
			}
		}
	} else if len(d.items) > 0 { // on a group header: start at its first row
		a := d.items[d.cursor].action
		for k, i := range order {
			if d.plan.Rows[i].Action == a {
				at = k - 1
				if back {
					at = k
				}
				break
			}
		}
	}
	n := len(order)
	for step := 1; step <= n; step++ {
		k := at + step
		if back {
			k = at - step
		}
		i := order[((k%n)+n)%n]
		if d.rowMatches(i, q, line) {
			filtered := !d.passes(i)
			d.cursorTo(i)
			text := strconv.Quote(q) + " found: " + d.plan.Rows[i].Email + "; ] next, [ previous."
			if filtered {
				text += " The filter was off for it."
			}
			return m.setStatus(sevInfo, text)
		}
	}
	return m.setStatus(sevInfo, strconv.Quote(q)+" is in no row of the dry run.")
}

// rowMatches reports whether plan row i shows q: its email, its line,
// the fields it changes or (a create) sets, their names, its reasons. A
// create's fields are read from the user it sends, so a search of a large
// plan builds nothing per row.
func (d *diffScreen) rowMatches(i int, q, line string) bool {
	r := &d.plan.Rows[i]
	has := func(s string) bool { return s != "" && csvfile.ContainsFold(s, q) }
	value := func(key, v string) bool {
		return has(v) || has(d.names[key][v])
	}
	if has(r.Email) || (line != "" && r.Line > 0 && itoa(r.Line) == line) {
		return true
	}
	if r.Action == sync.Create && r.New != nil {
		for k, v := range r.New.Fields {
			if value(k, v) || has(d.plan.Headers[k]) {
				return true
			}
		}
		for k, l := range r.New.Lists {
			for _, v := range l {
				if value(k, v) {
					return true
				}
			}
		}
	} else {
		for _, c := range r.Changes {
			if has(d.header(c)) || has(c.Old) || has(c.New) {
				return true
			}
			if names := d.names[c.Field]; names != nil {
				for _, v := range append(render.SplitList(c.Old), render.SplitList(c.New)...) {
					if has(names[v]) {
						return true
					}
				}
			}
		}
	}
	for _, s := range r.Reasons {
		if has(s) {
			return true
		}
	}
	return false
}

func (m *Model) diffGoToLine(s string) tea.Cmd {
	d := &m.diff
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return m.setStatus(sevWarn, "Type a line number of the file, like 120.")
	}
	best := -1
	for i, r := range d.plan.Rows {
		if r.Line > 0 && r.Line <= n && (best < 0 || r.Line > d.plan.Rows[best].Line) {
			best = i
		}
	}
	if best < 0 {
		return m.setStatus(sevInfo, "No row of the file starts at or before line "+itoa(n)+".")
	}
	d.cursorTo(best)
	return m.setStatus(sevInfo, "Line "+itoa(d.plan.Rows[best].Line)+": "+d.plan.Rows[best].Email+" ("+string(d.plan.Rows[best].Action)+").")
}

// passes reports whether plan row i gets through the filters.
func (d *diffScreen) passes(i int) bool {
	r := &d.plan.Rows[i]
	if d.onlyAction != "" && r.Action != d.onlyAction {
		return false
	}
	return d.onlyField == "" || d.hasField(i, d.onlyField)
}

// hasField reports whether row i changes (or, a create, sets) field key.
func (d *diffScreen) hasField(i int, key string) bool {
	r := &d.plan.Rows[i]
	switch r.Action {
	case sync.Create:
		if r.New == nil {
			return false
		}
		return key == identityKey(d.schema) || r.New.Fields[key] != "" || len(r.New.Lists[key]) > 0
	case sync.Update, sync.Deactivate:
		for _, c := range r.Changes {
			if c.Field == key {
				return true
			}
		}
	}
	return false
}

func (d *diffScreen) withField(rows []int) []int {
	var out []int
	for _, i := range rows {
		if d.hasField(i, d.onlyField) {
			out = append(out, i)
		}
	}
	return out
}

// nextActionFilter shows one action's rows, the next one with rows each
// time, then every row again.
func (d *diffScreen) nextActionFilter() {
	start := -1
	for k, a := range groupOrder {
		if a == d.onlyAction {
			start = k
		}
	}
	d.onlyAction = ""
	for k := start + 1; k < len(groupOrder); k++ {
		if len(d.groups[groupOrder[k]]) > 0 {
			d.onlyAction = groupOrder[k]
			d.collapsed[d.onlyAction] = false
			break
		}
	}
	d.cursor, d.offset = 0, 0
	d.rebuild()
}

// fieldsChanged lists the fields some row changes or a create sets, in
// the schema's order (then the others, sorted).
func (d *diffScreen) fieldsChanged() []string {
	seen := map[string]bool{}
	for _, r := range d.plan.Rows {
		switch r.Action {
		case sync.Create:
			if r.New == nil {
				continue
			}
			seen[identityKey(d.schema)] = true
			for k, v := range r.New.Fields {
				seen[k] = seen[k] || v != ""
			}
			for k, l := range r.New.Lists {
				seen[k] = seen[k] || len(l) > 0
			}
		case sync.Update, sync.Deactivate:
			for _, c := range r.Changes {
				seen[c.Field] = true
			}
		}
	}
	var out []string
	if d.schema != nil {
		for _, fd := range d.schema.Fields {
			if seen[fd.Key] {
				out = append(out, fd.Key)
				delete(seen, fd.Key)
			}
		}
	}
	var rest []string
	for k, ok := range seen {
		if ok {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// nextFieldFilter shows the rows that change one field, the next field
// each time, then every row again.
func (d *diffScreen) nextFieldFilter() {
	fields := d.fieldsChanged()
	next := ""
	for k, f := range fields {
		if d.onlyField == "" {
			next = f
			break
		}
		if f == d.onlyField && k+1 < len(fields) {
			next = fields[k+1]
			break
		}
	}
	d.onlyField = next
	if next != "" {
		for _, a := range groupOrder {
			d.collapsed[a] = false
		}
	}
	d.cursor, d.offset = 0, 0
	d.rebuild()
}

// filterText says which filters are on, or "".
func (d *diffScreen) filterText() string {
	var parts []string
	if d.onlyAction != "" {
		parts = append(parts, render.GroupTitle(d.onlyAction, d.rollback != nil))
	}
	if d.onlyField != "" {
		h := d.plan.Headers[d.onlyField]
		if h == "" {
			h = d.onlyField
		}
		parts = append(parts, "rows whose "+h+" changes")
	}
	if len(parts) == 0 {
		return ""
	}
	n := 0
	for _, it := range d.items {
		if it.kind == itemRow {
			n++
		}
	}
	return "showing " + strings.Join(parts, ", ") + " (" + plural(n, "row", "rows") + " shown)"
}
