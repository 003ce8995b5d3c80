package ui

import (
	"strings"
	"testing"
)

// The open dialogs, for tests.
func (m *Model) openQuestion() *question {
	q, _ := find[*question](&m.dialogs)
	return q
}

func (m *Model) openPrompt() *prompt {
	p, _ := find[*prompt](&m.dialogs)
	return p
}

// applyWaitsForSignIn reports whether an apply waits for the sign-in again.
func applyWaitsForSignIn(m *Model) bool {
	r, ok := find[*reloginDialog](&m.dialogs)
	return ok && r.reply != nil
}

// A dialog takes every key while it is open: the screen beneath does not
// move, and closing it gives the keys back.
func TestDialogTakesTheKeysUntilClosed(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	cursor := d.m.preview.cursor
	d.keys("/")
	if d.m.openPrompt() == nil || len(d.m.dialogs.open) != 1 {
		t.Fatal("/ opened no prompt")
	}
	d.keys("j", "G", "D")
	if d.m.preview.cursor != cursor || d.m.preview.ed.Dirty() || d.m.openPrompt().value(0) != "jGD" {
		t.Fatalf("keys reached the preview under the prompt: cursor %d, dirty %v, typed %q", d.m.preview.cursor, d.m.preview.ed.Dirty(), d.m.openPrompt().value(0))
	}
	if !strings.Contains(d.view(), "Search every cell") || !d.m.typing() {
		t.Fatal("the prompt is not drawn, or ? would open the help while typing")
	}
	d.keys("esc")
	if len(d.m.dialogs.open) != 0 || d.m.screen != ScreenPreview {
		t.Fatalf("esc left %d dialogs open on %v", len(d.m.dialogs.open), d.m.screen)
	}
	d.keys("j")
	if d.m.preview.cursor != cursor+1 {
		t.Fatal("the preview did not get its keys back")
	}

	// A question waits for y or n; other keys do nothing.
	d.keys("X", "X") // exclude, include again: errors remain
	d.keys("enter")
	q := d.m.openQuestion()
	if q == nil || q.kind != askExclude {
		t.Fatal("enter with errors did not ask")
	}
	d.keys("j", "u", "D")
	if d.m.openQuestion() != q || d.m.preview.ed.Dirty() || d.m.screen != ScreenPreview {
		t.Fatal("a key other than y or n answered or went past the question")
	}
	d.keys("n")
	if d.m.openQuestion() != nil || len(d.m.dialogs.open) != 0 {
		t.Fatal("n left the question open")
	}
}

// ctrl+c with unsaved edits opens a quit dialog over whatever is open;
// another key closes it and is the key of the dialog beneath.
func TestQuitDialogOverAPrompt(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.m.preview.moveTo(rowWithEmail(t, d.m.preview.file, "alan@example.edu"))
	d.keys("x", "/")
	d.send(keyPress("ctrl+c"))
	if !d.m.quitAsked() || len(d.m.dialogs.open) != 2 {
		t.Fatalf("ctrl+c over the prompt: %d dialogs", len(d.m.dialogs.open))
	}
	d.keys("a")
	if d.m.quitAsked() || d.m.openPrompt() == nil || d.m.openPrompt().value(0) != "a" {
		t.Fatal("the key after ctrl+c did not close the quit dialog and reach the prompt")
	}
	d.send(keyPress("ctrl+c"))
	_, cmd := d.m.Update(keyPress("ctrl+c"))
	if cmd == nil {
		t.Fatal("ctrl+c twice did not quit")
	}
}

// The apply's confirmation is a dialog: n closes it, nothing sent; y sends.
// In Production it takes typed text: y and n are letters of the School ID.
func TestConfirmationDialog(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	d.keys("enter")
	if !d.m.confirming() || !strings.Contains(d.view(), "Confirm") {
		t.Fatal("enter did not open the confirmation")
	}
	d.keys("j", "n")
	if d.m.confirming() || d.m.diff.cursor != 0 || d.m.screen != ScreenDiff {
		t.Fatalf("confirmation after j, n: open %v, cursor %d", d.m.confirming(), d.m.diff.cursor)
	}
	if _, ok := tgt.user("alan@example.edu"); ok {
		t.Fatal("n sent the plan")
	}
}

// Enter opens the apply's confirmation; a second enter (a tired operator's
// double press) must not be the yes that writes users and sends their
// registration mail: only y is, and the dialog says so.
func TestEnterTwiceDoesNotApply(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	d.keys("enter", "enter")
	if !d.m.confirming() || d.m.screen != ScreenDiff {
		t.Fatalf("enter twice: confirmation open %v, screen %v", d.m.confirming(), d.m.screen)
	}
	d.sees("Press y to apply", "enter does not confirm an apply")
	if _, ok := tgt.user("alan@example.edu"); ok {
		t.Fatal("enter twice sent the plan")
	}
	d.keys("y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if _, ok := tgt.user("alan@example.edu"); !ok {
		t.Fatal("y did not send the plan")
	}
}

// Signing in again mid-apply is one dialog over the progress screen: it
// takes the keys (p does not pause the apply, it is typed), a quit
// question nests over it and gives the keys back, and once signed in the
// apply carries on, on the same screen.
func TestSignInAgainIsADialogOverTheApply(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	tgt.mu.Lock()
	tgt.expireAt = 3
	tgt.mu.Unlock()
	d.keys("enter", "y")
	d.until("the sign-in", func(m *Model) bool { return m.signingInAgain() })
	if d.m.screen != ScreenProgress || !applyWaitsForSignIn(d.m) {
		t.Fatalf("the sign-in again is not over the apply: screen %v", d.m.screen)
	}
	d.sees("The session ended during the apply", "Applying")
	d.typeText("p")
	if d.m.progress.gate.Paused() || d.m.login.inputs[fieldPassword].Value() != "p" {
		t.Fatal("p reached the progress screen under the sign-in")
	}
	d.keys("backspace")
	// Nested: ctrl+c with the preview's edits unsaved asks over the
	// sign-in; the next key closes that and is typed into the form.
	d.send(keyPress("ctrl+c"))
	if !d.m.quitAsked() || len(d.m.dialogs.open) != 2 || !d.m.signingInAgain() {
		t.Fatalf("ctrl+c over the sign-in: %d dialogs", len(d.m.dialogs.open))
	}
	d.sees("ctrl+c again quits without saving", "Sign in to the user-management API", "enter sign in")
	d.typeText("sandbox")
	if d.m.quitAsked() || d.m.login.inputs[fieldPassword].Value() != "sandbox" || !applyWaitsForSignIn(d.m) {
		t.Fatalf("after the quit question: quit asked %v, typed %q", d.m.quitAsked(), d.m.login.inputs[fieldPassword].Value())
	}
	d.keys("enter")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if d.m.signingInAgain() || len(d.m.dialogs.open) != 0 {
		t.Fatal("the sign-in dialog stayed open after the apply")
	}
	if r := d.m.LastRun(); r == nil || r.Counts.Failed != 0 || r.Counts.Create != 2 {
		t.Fatalf("run after signing in again: %+v", r)
	}
	if _, ok := tgt.user("grace@example.edu"); !ok {
		t.Fatal("the apply did not carry on")
	}
}

// Esc on the sign-in again stops the apply; its end closes the dialog
// and the summary shows how it ended.
func TestApplyEndingClosesItsSignIn(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	tgt.mu.Lock()
	tgt.expired = true
	tgt.mu.Unlock()
	d.keys("enter", "y")
	d.until("the sign-in", func(m *Model) bool { return m.signingInAgain() })
	d.keys("esc")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if len(d.m.dialogs.open) != 0 {
		t.Fatalf("%d dialogs open on the summary", len(d.m.dialogs.open))
	}
	if r := d.m.LastRun(); r == nil || !r.Interrupted {
		t.Fatalf("run: %+v", r)
	}
}
