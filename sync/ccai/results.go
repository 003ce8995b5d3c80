package ccai

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"usersync/sync"
)

// A job's outcome row by row: the rows its scheme check rejected, its log
// placed on the ops it ran, and the words of each row's result.

// rejectRows handles an invalid_scheme job: each logged error fails its op;
// the rest go up again in the same job. done is true when nothing is left
// to send (results are final).
func (t *Target) rejectRows(ctx context.Context, jobID string, bf *batchFile, ops []sync.Op,
	results []sync.BatchResult, schemeMsg map[int]bool) (done bool, err error) {
	log, err := t.c.schemeErrors(ctx, jobID)
	if err != nil {
		return false, err
	}
	skip := append([]int(nil), bf.skip...)
	general := placeLog(bf, ops, log, func(i int, e logEntry) {
		addErr(&results[i], ops[i], e, "refused by the server's file check")
		schemeMsg[i] = true
		skip = append(skip, i)
	})
	fail := func(msg string) {
		for _, i := range bf.rows {
			if results[i].Err == nil {
				results[i].Err = &sync.Error{Kind: sync.KindRejected, Op: opName(ops[i]), Msg: msg}
			}
		}
	}
	switch {
	case len(general) > 0:
		fail("job " + jobID + " was refused: " + strings.Join(general, "; "))
		return true, nil
	case len(skip) == len(bf.skip):
		fail("job " + jobID + " was refused by the server's file check without naming a row")
		return true, nil
	}
	bf.setSkip(skip)
	switch {
	case len(bf.rows) == 0:
		t.state(jobID, "done")
		return true, nil
	case len(bf.skip) > maxSkip:
		fail(fmt.Sprintf("not sent: %d other rows of this batch failed the server's file check; fix them and run again", len(bf.skip)))
		t.state(jobID, "done")
		return true, nil
	case bf.render() != nil:
		// A resumed apply knows these rows only by email: it cannot send
		// them again, so they fail and a retry (the same command) sends
		// them in a new job.
		fail("not sent: other rows of this batch failed the server's file check; retry the failed rows to send it")
		t.state(jobID, "done")
		return true, nil
	}
	t.state(jobID, "uploading")
	_, link, err := t.c.upload(ctx, jobID, bf.filename(), bf.content(), len(bf.rows))
	if err != nil {
		return false, err
	}
	if link != "" {
		t.setLink(jobID, link)
	}
	t.state(jobID, JobCreated)
	return false, nil
}

// collect maps the update error log of a completed job to the ops.
func (t *Target) collect(ctx context.Context, jobID string, bf *batchFile, ops []sync.Op,
	results []sync.BatchResult, schemeMsg map[int]bool) error {
	log, err := t.c.updateErrors(ctx, jobID)
	if err != nil {
		return err
	}
	general := placeLog(bf, ops, log, func(i int, e logEntry) {
		if strings.EqualFold(e.ErrorType, errorTypeWarning) {
			addWarning(&results[i], e)
			return
		}
		addErr(&results[i], ops[i], e, "refused by the server")
	})
	for _, s := range bf.skip {
		if !schemeMsg[s] && results[s].Err == nil {
			// Left out by an earlier run whose scheme log is gone with the
			// replaced file.
			results[s].Err = &sync.Error{Kind: sync.KindRejected, Op: opName(ops[s]),
				Msg: "refused by the server's file check (job " + jobID + "); validate the row against the live template and run again"}
		}
	}
	if len(general) > 0 {
		// Not tied to a row the log names: every row of the job carries
		// it, so nothing the server said is lost.
		note := "job " + jobID + " logged, without naming a row of this file: " + strings.Join(general, "; ")
		for _, i := range bf.rows {
			if results[i].Warning == "" {
				results[i].Warning = note
			} else {
				results[i].Warning += "; " + note
			}
		}
	}
	return nil
}

// placeLog hands each entry of a job's log to placed with the op it is
// about (placeEntry), in the log's order, and returns the text of those no
// single op fits.
func placeLog(bf *batchFile, ops []sync.Op, log []logEntry, placed func(i int, e logEntry)) (general []string) {
	for _, e := range log {
		if i, ok := placeEntry(bf, ops, e); ok {
			placed(i, e)
		} else {
			general = append(general, logText(e))
		}
	}
	return general
}

// placeEntry finds the op a log entry is about: the row it names (1-based
// in the current file, also when written "row 3"); failing that (a null,
// missing or odd row), the one op whose email the entry names in an
// "email" key or its message. ok is false when no single op fits.
func placeEntry(bf *batchFile, ops []sync.Op, e logEntry) (int, bool) {
	if i, ok := bf.opAt(e.Row); ok {
		return i, true
	}
	if m := rowNumber.FindStringSubmatch(e.Row); m != nil {
		if i, ok := bf.opAt(m[1]); ok {
			return i, true
		}
	}
	text := strings.ToLower(e.Email + " " + e.Message)
	found := -1
	for _, i := range bf.rows {
		for _, addr := range []string{opEmail(ops[i]), ops[i].New.Fields[FieldNewEmail]} {
			if addr != "" && mentions(text, strings.ToLower(addr)) {
				if found >= 0 && found != i {
					return 0, false // two rows fit: guessing could blame the wrong one
				}
				found = i
			}
		}
	}
	return found, found >= 0
}

// rowNumber is a row written with words around it: "row 3", "#3".
var rowNumber = regexp.MustCompile(`^\D{0,8}?(\d+)\D{0,8}$`)

// mentions reports whether text holds addr as a whole address, not as the
// tail of a longer one (bob@x.edu in rbob@x.edu).
func mentions(text, addr string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], addr)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(addr)
		if (i == 0 || !addrChar(text[i-1])) && (end == len(text) || !addrChar(text[end])) {
			return true
		}
		from = i + 1
	}
}

func addrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || strings.IndexByte(".-_+@", b) >= 0
}

func addErr(r *sync.BatchResult, op sync.Op, e logEntry, fallback string) {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = fallback
	}
	if r.Err != nil {
		msg = r.Err.(*sync.Error).Msg + "; " + msg
	}
	r.Err = &sync.Error{Kind: sync.KindRejected, Op: opName(op), Msg: msg}
	if r.Column == "" {
		r.Column = columnHeader(e.Column)
	}
}

func addWarning(r *sync.BatchResult, e logEntry) {
	msg := strings.TrimSpace(e.Message)
	if h := columnHeader(e.Column); h != "" && msg != "" {
		msg = h + ": " + msg
	}
	if msg == "" {
		return
	}
	if r.Warning != "" {
		r.Warning += "; "
	}
	r.Warning += msg
	if r.Column == "" && r.Err == nil {
		r.Column = columnHeader(e.Column)
	}
}

func logText(e logEntry) string {
	msg := strings.TrimSpace(e.Message)
	if e.Column != "" {
		msg = columnHeader(e.Column) + ": " + msg
	}
	if e.Row != "" && e.Row != "0" {
		msg = "row " + string(e.Row) + ": " + msg
	}
	return msg
}

func opName(op sync.Op) string {
	return string(op.Action) + " " + opEmail(op)
}

var blankFields = BlankSchema().Fields

// columnHeader turns a log's column (a JSON field name, or a header) into
// the file's header, so the report and the UI point at the right cell.
func columnHeader(col string) string {
	col = strings.TrimSpace(col)
	if col == "" {
		return ""
	}
	// "roles.Admin" or "roles[2]" name one assignment; the column is roles.
	if i := strings.IndexAny(col, ".["); i > 0 {
		col = col[:i]
	}
	norm := func(s string) string {
		return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(s))
	}
	for _, f := range blankFields {
		if norm(f.Key) == norm(col) || norm(f.Header) == norm(col) {
			return f.Header
		}
	}
	return col
}
