package ui

import (
	"strings"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/render"
)

// The dry run's drawing: counts, the list of groups, rows and changes,
// and the detail pane. A rollback plan is worded as what it is: users
// restored and deactivated, not imported.

// whatWillHappen says exactly what an apply of p does, in numbers.
func whatWillHappen(p *sync.Plan, sess *Session, bulk, mail, rollback bool) string {
	c := p.Counts
	s := render.WillHappen(c, rollback, mail)
	where := sess.Target.Name() + " " + sess.Env.String() + " (" + sess.Account + ")"
	s += " in " + where + "."
	if c.Skip > 0 || c.Unchanged > 0 {
		s += " " + render.Unsent(c, rollback) + "."
	}
	if note := render.Inactive(c); note != "" {
		s += " " + note + "."
	}
	switch {
	case p.Options.Replace && rollback:
		s += " Lists become exactly what the backup holds."
	case p.Options.Replace:
		s += " Replace mode: lists become exactly what the file says."
	}
	if bulk {
		s += " Bulk mode: the users are read again, then all " + count(p.ExistingUsers+c.Create) +
			" are sent in one PUT (those the file does not change exactly as read); it is refused if any user" +
			" appeared, vanished or changed since this plan, or if fewer users would be sent than the server has."
	}
	return s
}

// headLines are the counts, the toggles and the filters above the list,
// each wrapped to the width.
func (d *diffScreen) headLines(st Styles, sess *Session, bulkOK bool) []string {
	if d.plan == nil {
		return []string{""}
	}
	c := d.plan.Counts
	w := max(d.width-1, 20)
	sep := piece{" · ", st.Muted}
	lines := joinWrap(st.pieces(render.PlanCounts(c, d.rollback != nil)), sep, "", w)
	if d.rollback != nil {
		lines = append(lines, wrapStyled(st.Warn, "Rollback of the import: updated users get their backed-up fields back, created users are deactivated (never deleted).", w, "")...)
	} else {
		var toggles []piece
		if d.mail {
			toggles = append(toggles, toggle(st, "mail", d.opts.Mail, count(c.Mails)+" registration emails"))
		}
		toggles = append(toggles, toggle(st, "replace", d.opts.Replace, "lists exactly as the file"))
		if bulkOK {
			toggles = append(toggles, toggle(st, "bulk", d.bulk, "one PUT of all users"))
		}
		lines = append(lines, joinWrap(toggles, piece{"  ", st.Muted}, "", w)...)
	}
	if note := render.Inactive(c); note != "" {
		lines = append(lines, wrapStyled(st.Warn, "! "+note, w, "  ")...)
	}
	if f := d.filterText(); f != "" {
		lines = append(lines, wrapStyled(st.Accent, f+"; f and F change it", w, "")...)
	}
	for k := range lines {
		lines[k] = " " + lines[k]
	}
	return lines
}

func toggle(st Styles, name string, on bool, what string) piece {
	if on {
		return piece{"[x] " + name + ": " + what, st.Accent}
	}
	return piece{"[ ] " + name, st.Muted}
}

func (d diffScreen) view(st Styles, sess *Session, bulkOK bool, w, h int) string {
	var b strings.Builder
	if d.busy {
		b.WriteString("\n  " + d.spin.View() + " " + st.Text.Render(d.phase+"…") + "\n\n" + st.Muted.Render("  esc goes back"))
		return b.String()
	}
	if d.plan == nil {
		if d.err != "" {
			b.WriteString("\n  " + st.Error.Render("✗ "+wrap(show(d.err), max(w-6, 20), "    ")) + "\n\n" + st.Muted.Render("  enter tries again; esc goes back"))
		}
		return b.String()
	}
	b.WriteString(strings.Join(d.headLines(st, sess, bulkOK), "\n"))
	if len(d.items) == 0 {
		b.WriteString("\n" + st.Muted.Render("  no rows to show (f and F change the filters)"))
	}
	rows := d.listRows()
	for pos := d.offset; pos < len(d.items) && pos < d.offset+rows; pos++ {
		b.WriteString("\n" + d.renderItem(st, d.items[pos], pos == d.cursor, w))
	}
	return b.String()
}

func (d *diffScreen) renderItem(st Styles, it diffItem, selected bool, w int) string {
	style := st.tone(render.ToneOf(it.action))
	var line string
	switch it.kind {
	case itemGroup:
		arrow := "▾"
		if d.collapsed[it.action] {
			arrow = "▸"
		}
		n := len(d.groups[it.action])
		if d.onlyField != "" {
			n = len(d.withField(d.groups[it.action]))
		}
		line = style.Render(arrow+" "+render.GroupTitle(it.action, d.rollback != nil)) + st.Muted.Render(" ("+count(n)+")")
	case itemRow:
		r := &d.plan.Rows[it.row]
		where := render.Where(r)
		arrow := " "
		if len(d.changesOf(int(it.row))) > 0 {
			arrow = "▸"
			if d.open[int(it.row)] {
				arrow = "▾"
			}
		}
		emailW := min(34, max(w-46, 16)) // at 80 columns the addresses people have fit whole
		line = "  " + st.Muted.Render(arrow) + " " + style.Render(render.Mark(r.Action)) + " " +
			st.Text.Render(padCell(show(r.Email), emailW)) + " " + st.Muted.Render(padRight(where, 11))
		switch {
		case r.Action == sync.Update:
			line += st.Muted.Render(d.changedFields(r.Changes))
		case r.Action == sync.Skip:
			line += st.Bad.Render(show(strings.Join(r.Reasons, "; ")))
		case r.Mail && d.mail:
			line += st.Muted.Render("registration email")
		}
	case itemChange:
		ch := d.changesOf(int(it.row))[it.change]
		line = "      " + st.Label.Render(padRight(d.header(ch), 22)) + " " + d.changeText(st, ch, it.action == sync.Create)
	}
	// The cursor is a character too, so it shows without colour.
	if selected {
		return st.SelectedRow.Render(padVisible(st.Focused.Render("›")+line, w))
	}
	return " " + line
}

func (d *diffScreen) changedFields(cs []sync.Change) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, d.header(c))
	}
	return strings.Join(names, ", ")
}

// header names a change's field for people: a plan made from a journal
// (a rollback) knows only the key, the schema its header.
func (d *diffScreen) header(c sync.Change) string {
	if (c.Header == "" || c.Header == c.Field) && d.schema != nil {
		if fd := d.schema.FieldByKey(c.Field); fd != nil {
			return fd.Header
		}
	}
	if c.Header == "" {
		return show(c.Field)
	}
	return show(c.Header) // a file's own header
}

// named is value with its name when field key holds IDs whose names the
// target reports ("r-d0a4c7b5 Registrar Office"); value otherwise.
func (d *diffScreen) named(key, value string) string {
	if name := d.names[key][value]; name != "" {
		return value + " " + show(name)
	}
	return value
}

// idNames maps each ID field's IDs to their names (see idField).
func idNames(sc *csvfile.Schema) map[string]map[string]string {
	if sc == nil {
		return nil
	}
	out := map[string]map[string]string{}
	for _, fd := range sc.Fields {
		if !idField(fd) {
			continue
		}
		names := map[string]string{}
		for _, c := range fd.Choices {
			if c.Label != "" && c.Label != c.Value {
				names[c.Value] = c.Label
			}
		}
		out[fd.Key] = names
	}
	return out
}

// changeText shows one change (render.Change): old → new, a list's adds
// and removes, a create's value; IDs with their names.
func (d *diffScreen) changeText(st Styles, c sync.Change, create bool) string {
	return st.line(render.Change(c, create, d.named))
}

// detailView shows the open dialog (dlg: the confirmation, a prompt), or
// the selected row's changes, each wrapped to the width.
func (d diffScreen) detailView(st Styles, k DiffKeys, dlg dialog, w, h int) string {
	var lines []string
	title := "Details"
	if dlg != nil && dlg.paneTitle() != "" {
		title = dlg.paneTitle()
	}
	lines = append(lines, st.Pane.Width(w).Render(st.Label.Render(title)))
	switch {
	case d.plan == nil:
	case dlg != nil:
		lines = append(lines, dlg.view(st, w)...)
	case d.exported != "":
		lines = append(lines, wrapStyled(st.OK, " ✓ plan written to "+shortPath(d.exported, max(w-20, 20)), w-1, "   ")...)
		fallthrough
	default:
		if len(d.items) == 0 {
			break
		}
		it := d.items[d.cursor]
		if it.kind == itemGroup {
			lines = append(lines, wrapStyled(st.Muted, " "+groupHelp(it.action, d.opts, d.mail, d.rollback != nil), w-1, " ")...)
			break
		}
		r := d.plan.Rows[it.row]
		lines = append(lines, " "+st.Text.Render(show(r.Email))+st.Muted.Render(" · "+string(r.Action)))
		used := strings.Count(strings.Join(lines, "\n"), "\n") + 1 // the pane's title has a border line
		lines = append(lines, d.rowDetail(st, k, it, w, h-used)...)
	}
	return strings.Join(lines, "\n")
}

func groupHelp(a sync.Action, o sync.PlanOptions, mail, rollback bool) string {
	if rollback {
		switch a {
		case sync.Update:
			return "Users the import updated: their fields as the backup holds them are written back."
		case sync.Deactivate:
			return "Users the import created: set Inactive, never deleted."
		case sync.Skip:
			return "Users left alone: changed by someone else since the import (a conflict), or not found."
		}
		return "Users already as the backup holds them: nothing is sent."
	}
	switch a {
	case sync.Create:
		if !mail {
			return "New users. e expands every row to the fields it sets."
		}
		if o.Mail {
			return "New users. Each gets the registration email (m turns it off)."
		}
		return "New users. No registration email is sent (m turns it on)."
	case sync.Update:
		if o.Replace {
			return "Existing users whose fields differ. Replace mode: lists become exactly the file's."
		}
		return "Existing users whose fields differ. Blank cells leave fields as they are; lists only gain."
	case sync.Deactivate:
		return "Existing users the file does not name: set Inactive, never deleted."
	case sync.Skip:
		return "Rows that are not sent: invalid, or excluded or deleted in the preview."
	}
	return "Users already as the file says: no request is sent for them."
}
