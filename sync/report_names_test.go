package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"usersync/sandbox"
	"usersync/sync"
)

// Runs started at once under one default report name (FreshReport) each
// keep a report of their own: the first takes the name, the others -2,
// -3, …, CSV and JSON twin alike, and every report holds its own run's
// rows. Nothing is written over.
func TestRunsAtOnceUnderOneReportNameKeepEachTheirOwn(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 20, Seed: 93})
	const runs = 4
	report := filepath.Join(e.dir, "users.report-20260304-050607.csv")
	type started struct {
		p        *sync.Plan
		existing []sync.User
		opts     sync.ApplyOptions
	}
	var all []started
	for i := range runs {
		path := filepath.Join(e.dir, fmt.Sprintf("users%d.csv", i))
		var records [][]string
		for k := range 3 {
			records = append(records, []string{"Run", fmt.Sprint(i), fmt.Sprintf("run%d.user%d@example.edu", i, k), "scheduling", "", "", "", ""})
		}
		writeUsers(t, path, records)
		p, existing := plan(t, e, path, sync.PlanOptions{})
		all = append(all, started{p, existing, sync.ApplyOptions{Concurrency: 2, FreshReport: true, ReportPath: report,
			JournalPath: filepath.Join(e.dir, fmt.Sprintf("j%d.jsonl", i)), BackupPath: filepath.Join(e.dir, fmt.Sprintf("b%d.json", i)),
			NoCanary: true}})
	}
	var wg gosync.WaitGroup
	got := make([]*sync.Run, runs)
	for i, s := range all {
		wg.Go(func() {
			run, err := sync.ApplyWith(context.Background(), e.t, s.p, s.opts, s.existing)
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			}
			got[i] = run
		})
	}
	wg.Wait()
	names := map[string]int{}
	for i, run := range got {
		if run == nil {
			t.FailNow()
		}
		names[run.ReportPath] = i
		if run.ReportJSONPath != strings.TrimSuffix(run.ReportPath, ".csv")+".json" {
			t.Errorf("run %d: report %s, twin %s", i, run.ReportPath, run.ReportJSONPath)
		}
		data, err := os.ReadFile(run.ReportJSONPath)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Rows []sync.Outcome `json:"rows"`
		}
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Rows) != 3 {
			t.Fatalf("run %d's report %s holds %d rows, want its 3", i, run.ReportJSONPath, len(r.Rows))
		}
		for _, o := range r.Rows {
			if !strings.HasPrefix(o.Email, fmt.Sprintf("run%d.", i)) || o.Result != sync.Created {
				t.Errorf("run %d's report %s holds %s %s: another run's row", i, run.ReportJSONPath, o.Email, o.Result)
			}
		}
		if _, err := os.Stat(run.ReportPath); err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	base := strings.TrimSuffix(report, ".csv")
	for n := 1; n <= runs; n++ {
		want := report
		if n > 1 {
			want = fmt.Sprintf("%s-%d.csv", base, n)
		}
		if _, ok := names[want]; !ok {
			t.Errorf("no run took %s; runs took %v", want, names)
		}
	}
}
