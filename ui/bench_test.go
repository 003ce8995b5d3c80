package ui

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
	"usersync/sync"
)

// writeBigFile writes n rows; one in 500 has a broken email and one in 700
// a product name where a key belongs, so n/N have problems to jump to.
func writeBigFile(tb testing.TB, n int) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "big.csv")
	fh, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	fmt.Fprintln(w, "First Name,Last Name,Email,Products,Department")
	for i := range n {
		email := fmt.Sprintf("user%07d@example.edu", i)
		if i%500 == 499 {
			email = fmt.Sprintf("user%07d@example", i)
		}
		product := "scheduling"
		if i%700 == 699 {
			product = "Course Demand Projections"
		}
		fmt.Fprintf(w, "First%d,Last%d,%s,%s,Department %d\n", i, i, email, product, i%40)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// bigPreview is a model on the preview of an n-row file.
func bigPreview(tb testing.TB, n int) *Model {
	tb.Helper()
	path := writeBigFile(tb, n)
	tgt := newMemTarget()
	f, err := csvfile.Open(path, tgt.schema, csvfile.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	v := csvfile.Validate(f)
	m := New(newMemBackend(tgt), sandboxDefaults(path), true)
	m.session = &Session{Target: tgt, Schema: tgt.schema, Env: EnvSandbox, Account: "demo_university"}
	m.file.busy, m.file.job = true, 1
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = nm.(*Model)
	m.applyValidated(validatedMsg{job: 1, file: f, validation: v})
	if m.screen != ScreenPreview || m.preview.file.Len() != n {
		tb.Fatalf("not on the preview of %d rows", n)
	}
	return m
}

// BenchmarkPreviewKeypress1M times one key press (Update and View) on the
// preview of a 1,000,000-row file, for a mix of moves: down, page down,
// next problem, up, column right and left, previous problem, last row.
// It reports p50, p99 and max of the wall-clock latency, and p50 and p99 of
// the CPU time the key press took on its thread (which a busy machine does
// not inflate by descheduling the process).
//
//	go test -run '^$' -bench PreviewKeypress1M -benchtime 20000x ./ui/
func BenchmarkPreviewKeypress1M(b *testing.B) {
	m := bigPreview(b, 1_000_000)
	keys := []tea.KeyPressMsg{keyPress("down"), keyPress("down"), keyPress("pgdown"), keyPress("n"),
		keyPress("up"), keyPress("right"), keyPress("left"), keyPress("N"), keyPress("G"), keyPress("g")}
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start, cpuStart := time.Now(), threadCPU()
		nm, _ := m.Update(keys[i%len(keys)])
		m = nm.(*Model)
		_ = m.View()
		cpu = append(cpu, threadCPU()-cpuStart)
		wall = append(wall, time.Since(start))
	}
	b.StopTimer()
	q := func(d []time.Duration, p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	b.ReportMetric(q(wall, 0.50), "p50-ms")
	b.ReportMetric(q(wall, 0.99), "p99-ms")
	b.ReportMetric(q(wall, 1), "max-ms")
	b.ReportMetric(q(cpu, 0.50), "cpu-p50-ms")
	b.ReportMetric(q(cpu, 0.99), "cpu-p99-ms")
}

// TestPreviewKeypressCostIsIndependentOfRows checks the virtual table: a
// key press on 20,000 rows costs about what it costs on 100.
func TestPreviewKeypressCostIsIndependentOfRows(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-row file")
	}
	cost := func(n int) time.Duration {
		m := bigPreview(t, n)
		keys := []tea.KeyPressMsg{keyPress("down"), keyPress("pgdown"), keyPress("n"), keyPress("G"), keyPress("g")}
		cpu := make([]time.Duration, 0, 300)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := range 300 {
			start := threadCPU()
			nm, _ := m.Update(keys[i%len(keys)])
			m = nm.(*Model)
			_ = m.View()
			cpu = append(cpu, threadCPU()-start)
		}
		slices.Sort(cpu)
		return cpu[len(cpu)/2]
	}
	small, big := cost(100), cost(20_000)
	if big > 3*small+time.Millisecond {
		t.Fatalf("median key press: %v on 100 rows, %v on 20,000: the table is not virtual", small, big)
	}
	t.Logf("median key press (thread CPU): %v on 100 rows, %v on 20,000", small, big)
}

// writeSameProblemFile writes n rows where every 25th names a product by
// its display name (4,000 rows of 100,000 with the same problem).
func writeSameProblemFile(tb testing.TB, n int) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "same.csv")
	fh, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	fmt.Fprintln(w, "First Name,Last Name,Email,Products,Department")
	for i := range n {
		product := "scheduling"
		if i%25 == 24 {
			product = "scheduling, Course Demand Projections"
		}
		fmt.Fprintf(w, "First%d,Last%d,user%07d@example.edu,\"%s\",Department %d\n", i, i, i, product, i%40)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// previewOf is a model on the preview of the file at path.
func previewOf(tb testing.TB, path string) *Model {
	tb.Helper()
	tgt := newMemTarget()
	f, err := csvfile.Open(path, tgt.schema, csvfile.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	v := csvfile.Validate(f)
	m := New(newMemBackend(tgt), sandboxDefaults(path), true)
	m.session = &Session{Target: tgt, Schema: tgt.schema, Env: EnvSandbox, Account: "demo_university"}
	m.file.busy, m.file.job = true, 1
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = nm.(*Model)
	m.applyValidated(validatedMsg{job: 1, file: f, validation: v})
	return m
}

func press1(m *Model, keys ...string) *Model {
	for _, k := range keys {
		nm, _ := m.Update(keyPress(k))
		m = nm.(*Model)
	}
	return m
}

// BenchmarkSearch100k times one search on a 100,000-row file for a value
// in its last row, so every cell before it is read (] from the first row:
// the search, the cursor move and the frame).
//
//	go test -run '^$' -bench 'Search100k|FixAll4000|PreviewKeypress100k' -benchtime 20x ./ui/
func BenchmarkSearch100k(b *testing.B) {
	m := bigPreview(b, 100_000)
	b.ResetTimer()
	for range b.N {
		m.preview.cursor = 0
		m.preview.search = "LAST99999"
		nm, _ := m.Update(keyPress("]"))
		m = nm.(*Model)
		_ = m.View()
		if m.preview.current() != 99_999 {
			b.Fatalf("found row %d", m.preview.current())
		}
	}
}

// BenchmarkFixAll4000 times a fix of every row with the same problem:
// 4,000 rows of a 100,000-row file, each revalidated (a then y), then
// undoes it untimed.
func BenchmarkFixAll4000(b *testing.B) {
	m := previewOf(b, writeSameProblemFile(b, 100_000))
	if m.preview.v.RowsWithErrors() != 4000 {
		b.Fatalf("%d rows with errors", m.preview.v.RowsWithErrors())
	}
	m = press1(m, "n")
	b.ResetTimer()
	for range b.N {
		m = press1(m, "a", "y")
		_ = m.View()
		b.StopTimer()
		if m.preview.v.RowsWithErrors() != 0 {
			b.Fatalf("%d rows with errors left", m.preview.v.RowsWithErrors())
		}
		m = press1(m, "u", "g", "n")
		b.StartTimer()
	}
}

// BenchmarkPreviewKeypress100k is BenchmarkPreviewKeypress1M's mix on
// 100,000 rows, with the next search match and the filter in it.
func BenchmarkPreviewKeypress100k(b *testing.B) {
	m := bigPreview(b, 100_000)
	m.preview.search = "Department 7"
	keys := []tea.KeyPressMsg{keyPress("down"), keyPress("pgdown"), keyPress("n"), keyPress("]"),
		keyPress("up"), keyPress("right"), keyPress("left"), keyPress("N"), keyPress("f"), keyPress("G"), keyPress("g")}
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start, cpuStart := time.Now(), threadCPU()
		nm, _ := m.Update(keys[i%len(keys)])
		m = nm.(*Model)
		_ = m.View()
		cpu = append(cpu, threadCPU()-cpuStart)
		wall = append(wall, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(wall)
	slices.Sort(cpu)
	q := func(d []time.Duration, p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(wall, 0.50), "p50-ms")
	b.ReportMetric(q(wall, 0.99), "p99-ms")
	b.ReportMetric(q(wall, 1), "max-ms")
	b.ReportMetric(q(cpu, 0.99), "cpu-p99-ms")
}

// TestFixAllOnALargeFileIsOneStepAndQuick fixes 4,000 rows of 100,000 in
// one step and undoes it; the bound (a second) only catches work that
// grows with the square of the rows, the figures are in BENCHMARKS.md.
func TestFixAllOnALargeFileIsOneStepAndQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-row file")
	}
	m := previewOf(t, writeSameProblemFile(t, 100_000))
	m = press1(m, "n", "a")
	if m.openQuestion() == nil || !strings.Contains(strings.Join(m.openQuestion().lines, " "), "4,000 rows have this problem") {
		t.Fatalf("question %+v", m.openQuestion())
	}
	start := time.Now()
	m = press1(m, "y")
	took := time.Since(start)
	if m.preview.v.RowsWithErrors() != 0 || m.preview.file.Raw(24, "products") != "scheduling, courseDemandProjections" {
		t.Fatalf("after the fix: %d rows with errors", m.preview.v.RowsWithErrors())
	}
	m = press1(m, "u")
	if m.preview.v.RowsWithErrors() != 4000 || m.preview.ed.Dirty() {
		t.Fatalf("after one undo: %d rows with errors", m.preview.v.RowsWithErrors())
	}
	if took > time.Second {
		t.Fatalf("fixing 4,000 rows took %v", took)
	}
	t.Logf("4,000 rows fixed and revalidated in %v", took)
}

// BenchmarkDiffSearch100k times a search of a 100,000-row dry run (every
// row a create) for the last row's email: every row's email and fields
// are read (] from the top).
func BenchmarkDiffSearch100k(b *testing.B) {
	m := bigPreview(b, 100_000)
	p, err := sync.NewPlan("coursedog", m.preview.file, m.preview.v, nil, sync.PlanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	m.session.Schema = m.preview.file.Schema()
	m.diff.spin = spinner.New()
	m.diff.collapsed = map[sync.Action]bool{}
	m.diff.schema = m.session.Schema
	m.diff.names = idNames(m.diff.schema)
	m.setState(ScreenDiff)
	m.diff.job = 7
	m.applyPlanned(plannedMsg{job: 7, plan: p})
	m.diff.search = "user0099999@"
	b.ResetTimer()
	for range b.N {
		m.diff.cursor = 0
		nm, _ := m.Update(keyPress("]"))
		m = nm.(*Model)
		_ = m.View()
		if r := m.diff.cursorRow(); r != 99_999 {
			b.Fatalf("found row %d", r)
		}
	}
}

// BenchmarkPlanSnapshot1M times what Update does on the UI goroutine when
// a dry run starts on a 1,000,000-row file: the snapshot of the rows the
// plan job reads (a copy of the row index and messages, not of the cells),
// beside the plan itself, which runs in the command.
//
//	go test -run '^$' -bench PlanSnapshot1M -benchtime 10x ./ui/
func BenchmarkPlanSnapshot1M(b *testing.B) {
	m := bigPreview(b, 1_000_000)
	b.Run("snapshot", func(b *testing.B) {
		for range b.N {
			f, v := m.preview.ed.Snapshot()
			if f.Len() != 1_000_000 || v.OK(0) != m.preview.v.OK(0) {
				b.Fatal("not a snapshot of the file")
			}
		}
	})
	b.Run("plan", func(b *testing.B) {
		for range b.N {
			f, v := m.preview.ed.Snapshot()
			if _, err := sync.NewPlan("coursedog", f, v, nil, sync.PlanOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSaveUpdateSide1M times what a save of a 1,000,000-row file
// costs the UI goroutine (PrepareSave in Update, Commit when it reports
// back) beside what its command does (Write: the file written and
// revalidated on the snapshot).
//
//	go test -run '^$' -bench SaveUpdateSide1M -benchtime 3x ./ui/
func BenchmarkSaveUpdateSide1M(b *testing.B) {
	m := bigPreview(b, 1_000_000)
	ed := m.preview.ed
	var update, command time.Duration
	for i := range b.N {
		if err := ed.Set(i, "firstName", "Edited"+itoa(i)); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		s, err := ed.PrepareSave("")
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		r, err := s.Write()
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := ed.Commit(r); err != nil {
			b.Fatal(err)
		}
		update += t1.Sub(t0) + time.Since(t2)
		command += t2.Sub(t1)
	}
	b.ReportMetric(float64(update.Microseconds())/1000/float64(b.N), "update-ms")
	b.ReportMetric(float64(command.Microseconds())/1000/float64(b.N), "command-ms")
}
