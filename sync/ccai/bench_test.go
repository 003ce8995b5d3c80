package ccai

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
)

// BenchmarkApplyJobs sends 5,000 new users in jobs of 500 through
// SubmitBatch/WaitBatch (the engine's batch path), against a sandbox with
// the vendor's 10 requests/s limit on, at two job paces: "fast" (20 ms a
// stage: what the client itself costs) and "real" (the sandbox default, 1 s
// a stage plus 2 ms a row).
func BenchmarkApplyJobs(b *testing.B) {
	for _, pace := range []struct {
		name          string
		stage, perRow time.Duration
	}{{"fast", 20 * time.Millisecond, 0}, {"real", time.Second, 2 * time.Millisecond}} {
		b.Run(pace.name, func(b *testing.B) {
			const rows, size = 5000, 500
			for range b.N {
				srv, err := sandbox.Start(sandbox.Options{Users: 200})
				if err != nil {
					b.Fatal(err)
				}
				srv.SetCCAIJobPace(pace.stage, pace.perRow)
				tg, err := New(Options{BaseURL: srv.URL(), Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken,
					PollMin: 100 * time.Millisecond, PollMax: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				ops := make([]sync.Op, rows)
				for i := range ops {
					ops[i] = sync.Op{Action: sync.Create, Line: i + 2, New: sync.User{Email: fmt.Sprintf("bench%05d@example.com", i),
						Fields: map[string]string{FieldFirstName: "Bench", FieldLastName: fmt.Sprint(i), FieldLocation: "Remote"},
						Lists:  map[string][]string{FieldRoles: {"Agent"}, FieldTeams: {"Support"}}}}
				}
				ctx := context.Background()
				start := time.Now()
				for k := 0; k < rows; k += size {
					batch := ops[k : k+size]
					id, err := tg.SubmitBatch(ctx, batch)
					if err != nil {
						b.Fatal(err)
					}
					res, err := tg.WaitBatch(ctx, id, batch)
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range res {
						if r.Err != nil {
							b.Fatal(r.Err)
						}
					}
				}
				el := time.Since(start)
				st := srv.Stats()
				if st.Creates != rows || st.Responses["429"] != 0 {
					b.Fatalf("creates %d, 429s %d", st.Creates, st.Responses["429"])
				}
				b.ReportMetric(float64(rows)/el.Seconds(), "rows/s")
				b.ReportMetric(float64(tg.Client().Requests())/float64(rows/size), "requests/job")
				b.ReportMetric(float64(srv.CCAIPeakRate(time.Second)), "peak-req/s")
				srv.Close()
			}
		})
	}
}

// BenchmarkReadTemplateJSON reads a 20,000-user file (about 8.6 MB) in the vendor's
// template format (indented as the template writes it).
func BenchmarkReadTemplateJSON(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i := range benchUsers {
		if i > 0 {
			buf.WriteString(",\n")
		}
		fmt.Fprintf(&buf, `  {
    "email": "user%06d@example.com", "new_email": "", "agent_number": "A-%06d",
    "first_name": "First", "last_name": "Last %d", "status": "Active", "location": "Dublin",
    "max_chat_limit": 3, "max_chat_limit_enabled": 1,
    "roles": [{"name": "Admin", "value": 0}, {"name": "Agent", "value": 1}, {"name": "Manager", "value": ""}],
    "teams": [{"name": "Sales", "value": 1}, {"name": "Support", "value": 0}]
  }`, i, i, i)
	}
	buf.WriteString("\n]\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		f, err := ReadTemplateJSON(bytes.NewReader(data), "big.json")
		if err != nil || len(f.Rows) != benchUsers {
			b.Fatal(err)
		}
	}
}

// benchUsers is the size of BenchmarkReadTemplateJSON's file.
var benchUsers = 20_000
