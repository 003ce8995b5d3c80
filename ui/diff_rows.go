package ui

import (
	"slices"
	"strings"

	"usersync/csvfile"
	"usersync/sync"
)

// The dry run's rows: where the cursor is, what a row expands to (an
// update's changes, every field a create sets), expanding and collapsing.

// cursorRow is the plan row under the cursor, or -1 on a group header.
func (d *diffScreen) cursorRow() int {
	if d.cursor < 0 || d.cursor >= len(d.items) || d.items[d.cursor].kind == itemGroup {
		return -1
	}
	return int(d.items[d.cursor].row)
}

// cursorTo puts the cursor on plan row i, opening its group and dropping
// a filter that hides it; false when it is nowhere in the plan.
func (d *diffScreen) cursorTo(i int) bool {
	find := func() bool {
		for k, it := range d.items {
			if it.kind == itemRow && int(it.row) == i {
				d.cursor = k
				d.scrollIntoView()
				return true
			}
		}
		return false
	}
	if find() {
		return true
	}
	if i < 0 || i >= len(d.plan.Rows) {
		return false
	}
	d.collapsed[d.plan.Rows[i].Action] = false
	if !d.passes(i) {
		d.onlyAction, d.onlyField = "", ""
	}
	d.rebuild()
	return find()
}

// changesOf is what row i's expansion lists: an update's changes, or
// every field a create sets.
func (d *diffScreen) changesOf(i int) []sync.Change {
	r := &d.plan.Rows[i]
	if r.Action != sync.Create || r.New == nil {
		return r.Changes
	}
	if cs, ok := d.created[i]; ok {
		return cs
	}
	cs := createdFields(d.schema, d.plan, r.New)
	d.created[i] = cs
	return cs
}

// createdFields lists the fields a create sets, in the schema's order.
func createdFields(sc *csvfile.Schema, p *sync.Plan, u *sync.User) []sync.Change {
	var keys []string
	if sc != nil {
		for _, fd := range sc.Fields {
			keys = append(keys, fd.Key)
		}
	}
	var out []sync.Change
	header := func(k string) string {
		if h := p.Headers[k]; h != "" {
			return h
		}
		return k
	}
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		if v, ok := u.Fields[k]; ok && v != "" {
			out = append(out, sync.Change{Field: k, Header: header(k), New: v})
		} else if l := u.Lists[k]; len(l) > 0 {
			out = append(out, sync.Change{Field: k, Header: header(k), New: joinList(l)})
		}
	}
	id := identityKey(sc)
	out = append(out, sync.Change{Field: id, Header: header(id), New: u.Email})
	seen[id] = true
	for _, k := range keys {
		add(k)
	}
	for _, k := range sortedKeys(u.Fields, u.Lists, seen) { // fields the schema does not list
		add(k)
	}
	return out
}

// sortedKeys returns the keys of fields and lists not in seen, sorted.
func sortedKeys(fields map[string]string, lists map[string][]string, seen map[string]bool) []string {
	var out []string
	for k := range fields {
		if !seen[k] {
			out = append(out, k)
		}
	}
	for k := range lists {
		if !seen[k] && fields[k] == "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// joinList joins a list field as the plan's changes do.
func joinList(l []string) string { return strings.Join(l, ", ") }

// toggle expands or collapses the group or row under the cursor.
func (d *diffScreen) toggle() {
	if len(d.items) == 0 {
		return
	}
	it := d.items[d.cursor]
	switch it.kind {
	case itemGroup:
		d.collapsed[it.action] = !d.collapsed[it.action]
	case itemRow, itemChange:
		i := int(it.row)
		if len(d.changesOf(i)) == 0 {
			return
		}
		d.open[i] = !d.open[i]
		// Keep the cursor on the row itself.
		for d.cursor > 0 && d.items[d.cursor].kind == itemChange {
			d.cursor--
		}
	}
	d.rebuild()
}

// expandAll opens every group and row (on), or closes every row (off),
// keeping the cursor on its row.
func (d *diffScreen) expandAll(on bool) {
	at := d.cursorRow()
	if on {
		for _, a := range groupOrder {
			d.collapsed[a] = false
		}
		for i := range d.plan.Rows {
			d.open[i] = true
		}
	} else {
		d.open = map[int]bool{}
	}
	d.rebuild()
	if at >= 0 {
		d.cursorTo(at)
	}
}

// identityKey is the key of the schema's identity field (the email a
// plan row is named by).
func identityKey(sc *csvfile.Schema) string {
	if sc != nil {
		if id := sc.Identity(); id != nil {
			return id.Key
		}
	}
	return "email"
}
