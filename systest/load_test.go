package systest

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
)

// TestLoad100k applies a 100,000-row file with the built binary against an
// in-process sandbox (no latency, a few seeded users) at a fixed --rate, and
// measures the usersync process: its peak resident memory (the kernel's
// high-water mark, from wait4 and from /proc while it runs) and its rate of
// writes once it is under way. It takes minutes, so it runs only when asked:
//
//	USERSYNC_LOAD=1 go test -run TestLoad100k -v -timeout 30m .
//
// USERSYNC_LOAD_ROWS and USERSYNC_LOAD_RATE change the size and --rate.
func TestLoad100k(t *testing.T) {
	if os.Getenv("USERSYNC_LOAD") == "" {
		t.Skip("a load test of several minutes: set USERSYNC_LOAD=1 to run it")
	}
	rows := envInt(t, "USERSYNC_LOAD_ROWS", 100_000)
	rate := envInt(t, "USERSYNC_LOAD_RATE", 1000)
	const (
		updates = 40 // seeded users the file changes
		// The plan (every row's desired and new user) is held in memory,
		// so the peak grows with the file; it must not grow with the
		// requests sent.
		baseRSSMiB = 64
		perRowKiB  = 4
		// The live heap (after each GC) while writing: at most
		// liveBaseMB + liveRowBytes a row, and growing by no more than
		// liveGrowthMiB between 10% and 90% of the writes.
		liveBaseMB    = 16
		liveRowBytes  = 1536
		liveGrowthMiB = 16
		rateSlack     = 0.10 // steady rate within 10% of --rate
		concurrency   = "8"
	)
	bin := usersyncBinary(t)
	srv, tok := sandboxToken(t, sandbox.Options{Users: 50, Seed: 99})
	dir := t.TempDir()
	path := filepath.Join(dir, "load.csv")
	writeLoadFile(t, srv, path, rows-updates, updates)

	args := []string{"apply", path, "--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes",
		"--no-registration-mail", "--concurrency", concurrency, "--rate", strconv.Itoa(rate),
		"--journal", filepath.Join(dir, "journal.jsonl"), "--report", filepath.Join(dir, "report.csv"),
		"--backup", filepath.Join(dir, "backup.json")}
	limit := time.Duration(float64(rows)/float64(rate)*float64(time.Second))*2 + 2*time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// gctrace reports the live heap after every collection: what the
	// process holds, apart from garbage not yet collected (which RSS
	// counts).
	cmd.Env = append(os.Environ(), "USERSYNC_TOKEN="+tok, "NO_COLOR=1", "GODEBUG=gctrace=1")
	cmd.Dir = dir
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Sample the process's memory and the server's creates every 250 ms.
	type sample struct {
		at      time.Duration
		creates int
		rssKiB  int
	}
	var samples []sample
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			rss, _ := procStatusKiB(cmd.Process.Pid, "VmRSS")
			samples = append(samples, sample{time.Since(start), srv.Stats().Creates, rss})
		}
	}
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, tail(stderr.String(), 2000))
	}
	// ru_maxrss is the peak resident set of the child, in KiB on Linux.
	peakKiB := int(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	sampledPeak := 0
	for _, s := range samples {
		sampledPeak = max(sampledPeak, s.rssKiB)
	}

	// The steady rate: creates per second between 10% and 90% of the
	// creates, which leaves out planning at the start and the report at
	// the end.
	total := rows - updates
	var t10, t90 time.Duration
	var c10, c90, rss10, rss50, rss90 int
	for _, s := range samples {
		if t10 == 0 && s.creates >= total/10 {
			t10, c10, rss10 = s.at, s.creates, s.rssKiB
		}
		if rss50 == 0 && s.creates >= total/2 {
			rss50 = s.rssKiB
		}
		if t90 == 0 && s.creates >= total*9/10 {
			t90, c90, rss90 = s.at, s.creates, s.rssKiB
		}
	}
	steady := float64(c90-c10) / (t90 - t10).Seconds()
	// The rate in each 10 s window between them, to show it steady.
	var windows []string
	for i, j := 0, 0; i < len(samples); i = j {
		for j = i + 1; j < len(samples) && samples[j].at-samples[i].at < 10*time.Second; j++ {
		}
		if j == len(samples) || samples[i].at < t10 || samples[j].at > t90 {
			continue
		}
		windows = append(windows, fmt.Sprintf("%.0f", float64(samples[j].creates-samples[i].creates)/(samples[j].at-samples[i].at).Seconds()))
	}
	firstWrite := time.Duration(0)
	for _, s := range samples {
		if s.creates > 0 {
			firstWrite = s.at
			break
		}
	}
	// The live heap of the collections while the writes ran.
	var live []int
	for _, m := range gcTrace.FindAllStringSubmatch(stderr.String(), -1) {
		at, _ := strconv.ParseFloat(m[1], 64)
		if d := time.Duration(at * float64(time.Second)); d >= t10 && d <= t90 {
			mb, _ := strconv.Atoi(m[2])
			live = append(live, mb)
		}
	}
	if len(live) < 2 {
		t.Fatalf("only %d garbage collections while writing: cannot tell whether the live heap grows", len(live))
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	t.Logf("%d rows at --rate %d --concurrency %s: %v in all, first write after ~%v; steady %.0f writes/s (10 s windows: %s); "+
		"peak RSS %.1f MiB (wait4), %.1f MiB (sampled /proc VmRSS); RSS %.1f / %.1f / %.1f MiB at 10 / 50 / 90%% of the writes; "+
		"live heap %d → %d MB over %d collections while writing; "+
		"CPU %v (user %v, system %v)",
		rows, rate, concurrency, elapsed.Round(time.Millisecond), firstWrite.Round(250*time.Millisecond), steady, strings.Join(windows, " "),
		float64(peakKiB)/1024, float64(sampledPeak)/1024, float64(rss10)/1024, float64(rss50)/1024, float64(rss90)/1024,
		live[0], live[len(live)-1], len(live), cpu.Round(time.Millisecond),
		cmd.ProcessState.UserTime().Round(time.Millisecond), cmd.ProcessState.SystemTime().Round(time.Millisecond))

	if bound := baseRSSMiB + perRowKiB*rows/1024; peakKiB/1024 > bound {
		t.Errorf("peak RSS %.1f MiB, over the bound of %d MiB for %d rows", float64(peakKiB)/1024, bound, rows)
	}
	if bound := liveBaseMB + liveRowBytes*rows/1_000_000; slices.Max(live) > bound {
		t.Errorf("live heap up to %d MB while writing, over the bound of %d MB for %d rows", slices.Max(live), bound, rows)
	}
	if grown := slices.Max(live) - live[0]; grown > liveGrowthMiB {
		t.Errorf("the live heap grew by %d MB while writing (%v): memory grows with the requests sent", grown, live)
	}
	if steady < float64(rate)*(1-rateSlack) || steady > float64(rate)*(1+rateSlack) {
		t.Errorf("steady rate %.0f/s, want %d/s ± %.0f%%", steady, rate, rateSlack*100)
	}
	if st := srv.Stats(); st.Creates != total || st.CreatesPerEmailMax != 1 {
		t.Errorf("the sandbox created %d users (at most %d per email), want %d once each", st.Creates, st.CreatesPerEmailMax, total)
	}
	f := &faultRun{t: t, dir: dir, rows: rows}
	r := f.accounted(0, stderr.String())
	if r.Counts.Create != total || r.Counts.Update != updates || r.Counts.Failed != 0 {
		t.Errorf("report counts %+v, want %d created and %d updated", r.Counts, total, updates)
	}
}

// gcTrace matches a GODEBUG=gctrace=1 line: its time since the start and
// the heap live after the collection ("… 4->4->2 MB, …": the third).
var gcTrace = regexp.MustCompile(`(?m)^gc \d+ @([0-9.]+)s [^\n]*?\d+->\d+->(\d+) MB`)

// writeLoadFile writes n new users and the changes of k seeded ones.
func writeLoadFile(t *testing.T, srv *sandbox.Server, path string, n, k int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"First Name", "Last Name", "Email", "Products", "Unique ID", "Department"})
	depts := srv.Departments()
	for i := range n {
		w.Write([]string{"Load", fmt.Sprintf("Person%06d", i), fmt.Sprintf("load%06d@example.edu", i),
			"scheduling, catalog", fmt.Sprintf("L%06d", i), depts[i%len(depts)].Name})
	}
	for _, u := range srv.Users() {
		if k == 0 {
			break
		}
		if u.Email == sandbox.DemoEmail {
			continue
		}
		w.Write([]string{u.FirstName, u.LastName + "-Load", u.Email, u.Products[0], "", ""})
		k--
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// procStatusKiB reads one "Vm…: N kB" line of /proc/PID/status.
func procStatusKiB(pid int, key string) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
