package sync_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// BenchmarkApplyVsVendorLoop measures, side by side in one run against the
// sandbox with 20 ms latency, a 2,000-row file (half new, 40% changed, 10%
// unchanged) applied by the engine at concurrency 8 and by a sequential
// create-then-update loop like the vendor's example script (POST; on 409,
// PUT). It reports rows/s for both, their ratio, and the engine's requests
// per changed row.
//
//	go test -run '^$' -bench ApplyVsVendorLoop -benchtime 1x ./sync/
func BenchmarkApplyVsVendorLoop(b *testing.B) {
	const rows = 2000
	for i := 0; i < b.N; i++ {
		// The engine.
		e := startEnv(b, sandbox.Options{Users: 2000, Seed: 11})
		path, _ := writeMix(b, e, rows)
		p, existing := plan(b, e, path, sync.PlanOptions{})
		if err := e.srv.SetFaults(sandbox.Options{Latency: 20 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		e.srv.ResetStats()
		start := time.Now()
		run, err := sync.ApplyWith(context.Background(), e.t, p, applyOpts(e.dir), existing)
		if err != nil {
			b.Fatal(err)
		}
		engine := time.Since(start)
		if run.Counts.Failed != 0 {
			b.Fatalf("engine failed %d rows", run.Counts.Failed)
		}
		st := e.srv.Stats()
		writes := 0
		for route, n := range st.Requests {
			if strings.HasPrefix(route, "POST /api/v1/{school}/users") || strings.HasPrefix(route, "PUT /api/v1/{school}/users") {
				writes += n
			}
		}
		changed := p.Counts.Create + p.Counts.Update

		// The vendor's loop, on a fresh sandbox with the same seed.
		v := startEnv(b, sandbox.Options{Users: 2000, Seed: 11})
		vpath, _ := writeMix(b, v, rows)
		if err := v.srv.SetFaults(sandbox.Options{Latency: 20 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		vendorLoop(b, v, vpath)
		vendor := time.Since(start)

		engineRate := float64(rows) / engine.Seconds()
		vendorRate := float64(rows) / vendor.Seconds()
		b.ReportMetric(engineRate, "engine-rows/s")
		b.ReportMetric(vendorRate, "vendor-rows/s")
		b.ReportMetric(engineRate/vendorRate, "speedup")
		b.ReportMetric(float64(writes)/float64(changed), "requests/changed-row")
	}
}

// vendorLoop is the vendor's script in Go: for every row, create; when the
// user exists, update it (ids known up front, which only favours it).
func vendorLoop(tb testing.TB, e *env, path string) {
	ctx := context.Background()
	existing, err := e.t.ListUsers(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	byEmail := map[string]sync.User{}
	for _, u := range existing {
		byEmail[sync.Key(u.Email)] = u
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range records[1:] {
		u := sync.User{Email: r[2], Fields: map[string]string{"firstName": r[0], "lastName": r[1]},
			Lists: map[string][]string{"products": strings.Split(r[3], ", ")}}
		_, err := e.t.Create(ctx, u, false)
		var se *sync.Error
		if errors.As(err, &se) && se.Kind == sync.KindConflict {
			_, err = e.t.Update(ctx, byEmail[sync.Key(u.Email)], u)
		}
		if err != nil {
			tb.Fatalf("vendor loop: %v", err)
		}
	}
}

// BenchmarkPlan100k plans 100,000 rows against 100,000 existing users:
// reading and validating the file, then the diff.
//
//	go test -run '^$' -bench Plan100k -benchtime 3x ./sync/
func BenchmarkPlan100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	path := filepath.Join(dir, "users.csv")
	existing := make([]sync.User, n)
	var sb strings.Builder
	sb.WriteString(strings.Join(header, ",") + "\n")
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("user%06d@example.edu", i)
		existing[i] = sync.User{ID: fmt.Sprint(i), Email: email,
			Fields: map[string]string{"firstName": "First", "lastName": fmt.Sprintf("Last%d", i), "status": "Active"},
			Lists:  map[string][]string{"products": {"scheduling"}, "roles": {}}}
		last := fmt.Sprintf("Last%d", i)
		if i%3 == 0 {
			last += "x" // a third change
		}
		fmt.Fprintf(&sb, "First,%s,%s,\"scheduling, events\",,,,\n", last, email)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	schema := coursedog.NewSchema(nil, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := csvfile.Open(path, schema, csvfile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p, err := sync.NewPlan("coursedog", f, csvfile.Validate(f), existing, sync.PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if p.Counts.Update != n {
			b.Fatalf("plan %+v", p.Counts)
		}
	}
}
