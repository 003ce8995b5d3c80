package sync

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"usersync/csvfile"
	"usersync/csvfile/atomicfile"
	"usersync/csvfile/textsafe"
)

// DefaultPaths names the journal, report and backup of an apply of file.
// The journal's name is fixed so that running the same command again finds
// it and resumes; report and backup carry the time so no run overwrites
// another's.
func DefaultPaths(file string, now time.Time) (journal, report, backup string) {
	dir, base := filepath.Split(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if base == "" {
		base = "usersync"
	}
	stamp := now.UTC().Format("20060102-150405")
	journal = filepath.Join(dir, base+".usersync-journal.jsonl")
	report = filepath.Join(dir, base+".report-"+stamp+".csv")
	backup = filepath.Join(dir, base+".backup-"+stamp+".json")
	return
}

// RollbackPaths names the journal, report and backup of a rollback of the
// import whose journal is importJournal: beside it and named after all of
// it (only a final .jsonl gives way), so that the rollbacks of two imports,
// J and J.TIME set aside by a later run, never share a journal. The one
// place these names are made (the command line and the guided import).
func RollbackPaths(importJournal string, now time.Time) (journal, report, backup string) {
	base := strings.TrimSuffix(importJournal, ".jsonl")
	stamp := now.UTC().Format("20060102-150405")
	return base + ".rollback.jsonl", base + ".rollback-report-" + stamp + ".csv", base + ".rollback-backup-" + stamp + ".json"
}

func jsonTwin(csvPath string) string {
	return strings.TrimSuffix(csvPath, filepath.Ext(csvPath)) + ".json"
}

// Backup is the users as they were before an apply wrote anything.
type Backup struct {
	Version    int       `json:"version"`
	Target     string    `json:"target"`
	Connection string    `json:"connection,omitempty"`
	TakenAt    time.Time `json:"taken_at"`
	Users      []User    `json:"users"`
}

// writeBackupOnce writes the backup unless it exists: a resumed run keeps
// the one taken before its first write, which is the state to roll back to.
// It returns the backup it wrote (nil when it wrote none); again writes it
// over an earlier one.
func writeBackupOnce(path, target, conn string, users []User, again bool) (*Backup, error) {
	if _, err := os.Stat(path); err == nil && !again {
		return nil, nil
	}
	b := &Backup{Version: 1, Target: target, Connection: conn, TakenAt: time.Now().UTC(), Users: users}
	return b, writeBackup(path, b)
}

func writeBackup(path string, b *Backup) error {
	return writeFileAtomic(path, func(w *bufio.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(b)
	})
}

// BackupMissingError refuses to go on with a run whose backup, taken before
// its first write, is gone: nothing is sent.
type BackupMissingError struct {
	Path string
	Err  error
}

func (e *BackupMissingError) Error() string {
	return fmt.Sprintf("the backup %s that this run took before its first write is gone or unreadable (%v): nothing was sent; "+
		"a backup taken now would hold this run's own writes as the users before it, and a rollback would keep them; "+
		"put the backup back at %s and run the same command again", e.Path, e.Err, e.Path)
}

// backupStillThere refuses a run that already wrote whose backup is gone.
func backupStillThere(path string) error {
	if _, err := ReadBackup(path); err != nil {
		return &BackupMissingError{Path: path, Err: err}
	}
	return nil
}

// BackupTakenError says that a backup path holds what a new run must not
// write over: the backup of an earlier run, which that run's rollback reads.
type BackupTakenError struct {
	Path    string
	TakenAt time.Time // zero when the file is not a backup at all
}

func (e *BackupTakenError) Error() string {
	what := "a file that is not a backup"
	if !e.TakenAt.IsZero() {
		what = "the backup of an earlier run (taken " + e.TakenAt.UTC().Format("2006-01-02 15:04:05 UTC") + "), which that run's rollback reads"
	}
	return fmt.Sprintf("the backup path %s holds %s", e.Path, what)
}

// BackupFree refuses a backup path holding anything but the backup of the
// run started at started (one it took before its first write), so that a
// new run never writes over another run's.
func BackupFree(path string, started time.Time) error {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	b, err := ReadBackup(path)
	if err != nil || b.Version == 0 {
		return &BackupTakenError{Path: path}
	}
	if b.TakenAt.Before(started) {
		return &BackupTakenError{Path: path, TakenAt: b.TakenAt}
	}
	return nil
}

// FreeBackupPath is path when a run started at started may take its backup
// there, else the first of path-2.ext, path-3.ext, … that it may: an
// earlier run's backup is kept for that run's rollback. note says why the
// path moved ("" when it did not).
func FreeBackupPath(path string, started time.Time) (free, note string, err error) {
	first := BackupFree(path, started)
	if first == nil {
		return path, "", nil
	}
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for n := 2; n < 1000; n++ {
		cand := base + "-" + strconv.Itoa(n) + ext
		if BackupFree(cand, started) == nil {
			return cand, first.Error() + ": kept for it; this run's backup is " + cand, nil
		}
	}
	return "", "", fmt.Errorf("%w: and so do %s-2…999%s: give this run another path (--backup PATH)", first, base, ext)
}

// FileDigest is the SHA-256 of the file's bytes, hex.
func FileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// PlanFileError refuses a saved plan whose file changed or vanished since
// the plan was made: the plan no longer says what the file says.
type PlanFileError struct {
	File string
	Err  error // nil when the file is there but changed
}

func (e *PlanFileError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("the plan's file %s cannot be read (%v): nothing was sent; make the plan again from the file as it is", e.File, e.Err)
	}
	return fmt.Sprintf("the plan's file %s changed since the plan was made: nothing was sent; make the plan again from the file as it is (the usersync plan command that saved it, run again)", e.File)
}

// CheckPlanFile refuses, as a *PlanFileError, a saved plan whose file is
// no longer what it was planned from.
func CheckPlanFile(p *Plan) error { return checkPlanFile(p) }

// checkPlanFile refuses a plan whose file is no longer what it was planned from.
func checkPlanFile(p *Plan) error {
	if p.FileDigest == "" {
		return nil
	}
	d, err := FileDigest(p.File)
	if err != nil {
		return &PlanFileError{File: p.File, Err: err}
	}
	if d != p.FileDigest {
		return &PlanFileError{File: p.File}
	}
	return nil
}

// ReadBackup reads a backup written by Apply.
func ReadBackup(path string) (*Backup, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	var b Backup
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("read backup %s: %w", path, err)
	}
	return &b, nil
}

// WriteReport writes one CSV line per plan row (every file row, then any
// deactivations) and a JSON twin beside it. Cells a spreadsheet would run as
// formulas are escaped, and what would steer a terminal is shown escaped
// (textsafe.Show).
func WriteReport(path string, p *Plan, r *Run) error { return writeFinalReport(path, p, r, false) }

// writeFinalReport is WriteReport, creating the files exclusively when
// fresh (writeReport).
func writeFinalReport(path string, p *Plan, r *Run, fresh bool) error {
	each := func(visit func(i int, o Outcome)) {
		for i, o := range r.Outcomes {
			visit(i, o)
		}
	}
	return writeReport(path, p, r, each, func() Counts { return r.Counts }, fresh)
}

// writeReport writes the report of r with its rows from each, in plan
// order, one at a time (a run rewrites its report as it goes, and must not
// hold a second copy of every row to do it); counts, asked after the JSON
// rows are written, gives the counts (the live report counts what it wrote,
// so a report's counts always add up to its rows). fresh creates both
// files exclusively (an error that is os.ErrExist when either name is
// taken): the pair is claimed together or not at all.
func writeReport(path string, p *Plan, r *Run, each func(visit func(i int, o Outcome)), counts func() Counts, fresh bool) error {
	var opts []atomicfile.Option
	if fresh {
		opts = append(opts, atomicfile.Exclusive())
	}
	err := writeFileAtomic(path, func(w *bufio.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"line", "email", "action", "outcome", "http_status", "column", "message"})
		each(func(_ int, o Outcome) {
			line, status := "", ""
			if o.Line > 0 {
				line = strconv.Itoa(o.Line)
			}
			if o.Status > 0 {
				status = strconv.Itoa(o.Status)
			}
			cw.Write([]string{line, reportCell(o.Email), string(o.Action), string(o.Result), status,
				reportCell(o.Column), reportCell(o.Message)})
		})
		cw.Flush()
		return cw.Error()
	}, opts...)
	if err != nil {
		return err
	}
	head := struct {
		Target      string `json:"target"`
		File        string `json:"file"`
		Mode        string `json:"mode"`
		FileRows    int    `json:"file_rows"`
		Interrupted bool   `json:"interrupted"`
		Running     bool   `json:"running,omitempty"`
		Journal     string `json:"journal"`
		Backup      string `json:"backup"`
		// Canary and Verify are the read-backs before and after the writes.
		Canary *ReadBack `json:"canary,omitempty"`
		Verify *ReadBack `json:"verify,omitempty"`
	}{p.Target, p.File, p.Mode, p.FileRows, r.Interrupted, r.Running, r.JournalPath, r.BackupPath, r.Canary, r.Verify}
	err = writeFileAtomic(jsonTwin(path), func(bw *bufio.Writer) error {
		// JSON through the renderer stays JSON with the same data, its
		// bidi and control characters written as \u escapes.
		w := textsafe.NewWriter(bw)
		b, err := json.MarshalIndent(head, "", " ")
		if err != nil {
			return err
		}
		w.Write(bytes.TrimSuffix(b, []byte("\n}")))
		w.WriteString(",\n \"rows\": [")
		first := true
		each(func(_ int, o Outcome) {
			if err != nil {
				return
			}
			var row []byte
			if row, err = json.Marshal(&o); err == nil {
				if !first {
					w.WriteString(",")
				}
				first = false
				w.WriteString("\n  ")
				w.Write(row)
			}
		})
		if err != nil {
			return err
		}
		if b, err = json.Marshal(counts()); err != nil {
			return err
		}
		w.WriteString("\n ],\n \"counts\": ")
		w.Write(b)
		w.WriteString("\n}\n")
		return w.Flush()
	}, opts...)
	if err != nil && fresh {
		os.Remove(path) // the CSV this call created: its twin's name was taken
	}
	return err
}

// reportCell is a report's cell: its control, bidi and invisible
// characters visible (people read reports on screens, and `cat` them),
// and formulas escaped.
func reportCell(s string) string { return csvfile.EscapeFormula(textsafe.Show(s)) }

// writeFileAtomic writes atomically (see atomicfile): a crash leaves the
// old file or the new one, never half of one. Files are 0600: backups and
// reports hold people's data.
func writeFileAtomic(path string, write func(*bufio.Writer) error, opts ...atomicfile.Option) error {
	return atomicfile.Write(path, atomicfile.Secret, write, append(opts, atomicfile.MakeDir())...)
}

// SavePlan writes the plan as JSON (plan --out).
func SavePlan(path string, p *Plan) error {
	return writeFileAtomic(path, func(w *bufio.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(p)
	})
}

// LoadPlan reads a plan saved by SavePlan.
func LoadPlan(path string) (*Plan, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	if p.FileFingerprint == "" || p.UsersFingerprint == "" {
		return nil, fmt.Errorf("read plan %s: not a usersync plan (no fingerprints)", path)
	}
	return &p, nil
}

// readRegular reads a file usersync wrote (a plan, a backup), refusing by
// its stat anything that is not a regular file: reading a named pipe with
// no writer would wait forever, a device like /dev/zero never ends, and a
// pipe read here could not be read again as the user file it may be.
func readRegular(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.ReadFile(path)
}
