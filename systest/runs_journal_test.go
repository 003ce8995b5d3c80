package systest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
)

// A second apply of the same file while one runs is refused at once, and
// the first one's journal stays whole.
func TestSecondApplyOfTheSameJournalRefused(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 115, Latency: 20 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	first := b.cmd(ctx, "apply", file, "--yes", "--no-registration-mail", "--concurrency", "2")
	firstOut := &lockedBuffer{}
	first.Stdout, first.Stderr = firstOut, firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	for b.srv.Stats().Creates < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--concurrency", "2")
	if code != exitUsage || !strings.Contains(out, "running") {
		t.Errorf("second apply: exit %d\n%s", code, out)
	}
	t.Logf("second apply:\n%s", out)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the second apply took %v to be refused", d)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first apply: %v\n%s", err, firstOut.String())
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 || st.Creates != 60 {
		t.Errorf("%d created, at most %d times each", st.Creates, st.CreatesPerEmailMax)
	}
	journal := strings.TrimSuffix(file, ".csv") + ".usersync-journal.jsonl"
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback after two applies: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// A server that stops answering stops the run resumably (exit 3), and reads
// before the first write that run out of retries exit 3 too.
func TestServerThatStopsAnsweringStopsTheRun(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 116, Latency: 5 * time.Millisecond})
	file, _ := writeUsers(t, b.srv, b.dir, 100)
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--concurrency", "4",
		"--journal", b.path("journal.jsonl"), "--report", b.path("report.csv")}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := b.cmd(ctx, args...)
	out, err := func() ([]byte, error) {
		buf := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = buf, buf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		for b.srv.Stats().Creates < 10 {
			time.Sleep(2 * time.Millisecond)
		}
		b.srv.Close()
		err := cmd.Wait()
		return []byte(buf.String()), err
	}()
	if ctx.Err() != nil {
		t.Fatalf("apply against a dead server did not stop within 60 s:\n%s", out)
	}
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != exitInterrupted || !strings.Contains(string(out), "stopped answering") {
		t.Fatalf("apply against a dead server: %v\n%s", err, out)
	}
	if _, err := os.Stat(b.path("report.json")); err != nil {
		t.Errorf("no report: %v", err)
	}
	t.Logf("dead server:\n%s", out)
	// Nothing answers at all now: the first reads fail; nothing is sent.
	code, out2 := b.run("plan", file)
	if code != exitInterrupted {
		t.Errorf("plan against a dead server: exit %d, want 3\n%s", code, out2)
	}
}

// A journal damaged mid-file is refused with its file and line, not set
// aside; a rollback from it still undoes what it can establish and says
// what it could not.
func TestDamagedJournalRefusedAndRollbackSaysWhatItCannotEstablish(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 117, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal}
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.srv.Stats().Creates >= 30 }, args...)
	if !sent {
		t.Fatalf("apply ended before the kill:\n%s", out)
	}
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) < 10 {
		t.Fatalf("journal has %d lines", len(lines))
	}
	damaged := append(append([]string{}, lines[:5]...), "{\"t\":\"out\",garbage\n")
	damaged = append(damaged, lines[5:]...)
	if err := os.WriteFile(journal, []byte(strings.Join(damaged, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	w := b.writes()
	code, out := b.run(args...)
	if code != exitUsage || !strings.Contains(out, "journal.jsonl") || !strings.Contains(out, "line 6") || b.writes() != w {
		t.Fatalf("resume from a damaged journal: exit %d, %d writes\n%s", code, b.writes()-w, out)
	}
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("the damaged journal was moved aside: %v", err)
	}
	t.Logf("resume from a damaged journal:\n%s", out)
	code, out = b.run("rollback", "--journal", journal, "--yes")
	if code == exitOK || !strings.Contains(out, "line 6") {
		t.Errorf("rollback from a damaged journal: exit %d (must say it could not read line 6 and not exit 0)\n%s", code, out)
	}
	t.Logf("rollback from a damaged journal:\n%s", lastLines(out, 12))
	// Every user the import created is Inactive: the rollback established
	// them from the other lines, the backup and the server.
	checkRolledBack(t, b.srv, before)
}

// The report exists before the first write: a report path that cannot be
// written stops the apply before anything is sent; a killed run leaves a
// report of what it did.
func TestReportWrittenBeforeTheFirstWrite(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 100, Seed: 118, Latency: 5 * time.Millisecond})
	file, _ := writeUsers(t, b.srv, b.dir, 40)
	blocker := b.path("not-a-dir")
	os.WriteFile(blocker, nil, 0o600)
	code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--report", filepath.Join(blocker, "report.csv"))
	if code != exitUsage || b.writes() != 0 {
		t.Fatalf("unwritable report: exit %d, %d writes sent\n%s", code, b.writes(), out)
	}
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.srv.Stats().Creates >= 20 },
		"apply", file, "--yes", "--no-registration-mail", "--report", b.path("report.csv"), "--concurrency", "2")
	if !sent {
		t.Fatalf("apply ended before the kill:\n%s", out)
	}
	var rep reportCounts
	data, err := os.ReadFile(b.path("report.json"))
	if err != nil {
		t.Fatalf("a killed run left no report: %v", err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 80 {
		t.Errorf("the report of the killed run lists %d rows, want 80", len(rep.Rows))
	}
}

// A rollback speaks of what the import created and updated, counts its
// deactivations, and without --yes says that it did not roll back.
func TestRollbackWording(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 60, Seed: 119})
	file, _ := writeUsers(t, b.srv, b.dir, 5)
	journal := b.path("journal.jsonl")
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", journal); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	code, out := b.run("rollback", "--journal", journal)
	if code != exitUsage || !strings.Contains(out, "rollback: not applied") || strings.Contains(out, "apply: not applied") {
		t.Errorf("rollback without --yes: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "replace mode") || strings.Contains(out, "not in file") || !strings.Contains(out, "created by the import") {
		t.Errorf("the rollback plan speaks of the wrong things:\n%s", out)
	}
	t.Logf("rollback without --yes:\n%s", out)
	code, out = b.run("rollback", "--journal", journal, "--yes")
	t.Logf("rollback:\n%s", out)
	if code != exitOK || !strings.Contains(out, "5 deactivated") || !strings.Contains(out, "5 restored") {
		t.Errorf("rollback: exit %d; the last lines must count 5 deactivated and 5 restored\n%s", code, out)
	}
}

// A torn last line (what a crash mid-write leaves) is cut and the run goes
// on; a journal that records another file's run is refused with its file
// and line, nothing sent.
func TestTornLastLineResumesAndAnotherFilesJournalIsRefused(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 121, Latency: 3 * time.Millisecond})
	file, want := writeUsers(t, b.srv, b.dir, 50)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "2"}
	if out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.srv.Stats().Creates >= 15 }, args...); !sent {
		t.Fatalf("apply ended before the kill:\n%s", out)
	}
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"t":"out","row":3,"line":5,"email":"crash0003@exa`)
	f.Close()

	// Another file, the same journal: refused, naming the journal's first line.
	other := b.path("other.csv")
	os.WriteFile(other, []byte("First Name,Last Name,Email,Products\nOther,Person,other.person@example.edu,events\n"), 0o600)
	w := b.writes()
	code, out := b.run("apply", other, "--yes", "--no-registration-mail", "--journal", journal)
	if code != exitUsage || !strings.Contains(out, journal+" (line 1") || !strings.Contains(out, "file") || b.writes() != w {
		t.Fatalf("apply of another file with this journal: exit %d, %d writes\n%s", code, b.writes()-w, out)
	}
	t.Logf("another file:\n%s", out)

	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("resume after a torn last line: exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(journal)
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("journal line %d is not a record after the resume: %v: %q", i+1, err, line)
		}
	}
	for email, last := range want {
		if u, ok := b.srv.User(email); !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
		}
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times", st.CreatesPerEmailMax)
	}
}

// Bulk mode killed while its one PUT is on the wire: the resumed run
// settles every row from the server (the PUT's intents are on disk), sends
// what is left once, and the rollback undoes all of it.
func TestBulkApplyKilledMidPutIsSettled(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 122})
	before := b.preexisting()
	file, want := writeUsers(t, b.srv, b.dir, 40)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--bulk", "--journal", journal, "--report", b.path("report.csv")}
	puts := func() int { return b.srv.Stats().Requests["PUT /api/v1/{school}/users"] }
	// Each request waits about 300 ms: the kill lands while the PUT waits.
	if err := b.srv.SetFaults(sandbox.Options{Latency: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return puts() > 0 }, args...); !sent {
		t.Fatalf("the bulk apply ended before the kill:\n%s", out)
	}
	data, _ := os.ReadFile(journal)
	if n := strings.Count(string(data), `"t":"intent"`); n != 80 {
		t.Errorf("%d intents journaled before the PUT, want one per row (80)", n)
	}
	b.srv.SetFaults(sandbox.Options{})
	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	var rep reportCounts
	data, _ = os.ReadFile(b.path("report.json"))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Counts.Create != 40 || rep.Counts.Update != 40 {
		t.Errorf("report %+v: want 40 created and 40 updated", rep.Counts)
	}
	if n := puts(); n != 2 {
		t.Errorf("%d bulk PUTs, want 2 (the killed one, then the resumed one)", n)
	}
	for email, last := range want {
		if u, ok := b.srv.User(email); !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
		}
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 || st.MailsSent != 0 {
		t.Errorf("created %d times, %d mails", st.CreatesPerEmailMax, st.MailsSent)
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}
