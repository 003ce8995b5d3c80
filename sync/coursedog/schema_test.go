package coursedog_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync/coursedog"
)

// The school's live configuration, as the sandbox serves it.
var (
	liveRoles = []csvfile.Choice{
		{Value: "r-7f3a91c2", Label: "Super Admin", Prebuilt: true},
		{Value: "r-2b8e4d10", Label: "Scheduling Admin", Prebuilt: true},
		{Value: "r-c41d07a9", Label: "Curriculum Admin", Prebuilt: true},
		{Value: "r-9e5f3b26", Label: "Department Scheduler", Prebuilt: true},
		{Value: "r-5a0c8e71", Label: "Read Only", Prebuilt: true},
		{Value: "r-e83b1f4d", Label: "Catalog Editor"},
		{Value: "r-14d9a6c3", Label: "Syllabus Reviewer"},
		{Value: "r-b27c5e08", Label: "Events Coordinator"},
		{Value: "r-6f1e2d93", Label: "Faculty"},
		{Value: "r-d0a4c7b5", Label: "Registrar Office"},
	}
	liveDepartments = []csvfile.Choice{
		{Value: "Biology", Label: "dep-0101"},
		{Value: "Chemistry", Label: "dep-0102"},
		{Value: "Computer Science", Label: "dep-0103"},
		{Value: "Mathematics", Label: "dep-0107"},
		{Value: "Physics", Label: "dep-0111"},
		{Value: "Languages, Literatures and Cultures", Label: "dep-0120"},
	}
)

// header is the vendor's CSV template's (the files these tests read);
// templateHeader is what `usersync template` writes: those columns, then
// Default Product and Status.
const (
	header         = "First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs\n"
	templateHeader = "First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs,Default Product,Status\n"
)

func TestTemplateHeaderAndKeys(t *testing.T) {
	s := coursedog.NewSchema(nil, nil)
	var b bytes.Buffer
	if err := csvfile.WriteTemplate(&b, s); err != nil {
		t.Fatal(err)
	}
	if b.String() != templateHeader {
		t.Errorf("template %q, want %q", b.String(), templateHeader)
	}
	var keys []string
	for _, f := range s.Fields {
		keys = append(keys, f.Key)
	}
	want := "firstName lastName email products externalId department secondaryDepartments roles defaultProduct status"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("keys %q, want %q", got, want)
	}
	if id := s.Identity(); id == nil || id.Key != "email" || !id.Email {
		t.Errorf("identity %+v", id)
	}
	var products []string
	for _, p := range s.FieldByKey("products").Choices {
		products = append(products, p.Value)
	}
	if got := strings.Join(products, " "); got != "scheduling curriculum syllabus events catalog courseDemandProjections" {
		t.Errorf("products %q", got)
	}
}

func TestAliasesMatchAndDoNotClash(t *testing.T) {
	s := coursedog.NewSchema(nil, nil)
	for header, key := range map[string]string{
		"first_name": "firstName", "firstName": "firstName", "Given Name": "firstName",
		"last_name": "lastName", "Surname": "lastName",
		"E-mail": "email", "Email Address": "email", "EMAIL": "email",
		"Role ID": "roles", "Roles": "roles", "role_ids": "roles",
		"Unique ID": "externalId", "External ID": "externalId", "SIS ID": "externalId", "externalId": "externalId",
		"Department": "department", "Primary Department": "department",
		"Secondary Departments": "secondaryDepartments", "secondary_departments": "secondaryDepartments",
		"Products": "products", "product": "products",
	} {
		if f := csvfile.MatchHeader(s, header); f == nil || f.Key != key {
			t.Errorf("MatchHeader(%q) = %+v, want %s", header, f, key)
		}
	}
	seen := map[string]string{}
	for _, f := range s.Fields {
		for _, name := range append([]string{f.Key, f.Header}, f.Aliases...) {
			n := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(name))
			if other, dup := seen[n]; dup && other != f.Key {
				t.Errorf("%q means both %s and %s", name, other, f.Key)
			}
			seen[n] = f.Key
		}
	}
}

// TestRules checks each coursedog rule's exact message, offline (nil
// roles and departments) and with the school's configuration.
func TestRules(t *testing.T) {
	type msg struct {
		sev    csvfile.Severity
		column string
		text   string
		fix    string // the fixed cell, "" for none
	}
	tests := []struct {
		name string
		live bool
		row  string
		want []msg
	}{
		{"valid offline", false, `Ada,Lovelace,ada@example.edu,"scheduling, catalog",S1,Mathematics,Physics,"r-1,r-2"`, nil},
		{"valid live", true, `Ada,Lovelace,ada@example.edu,scheduling,S1,Mathematics,Physics,"r-e83b1f4d, r-6f1e2d93"`, nil},
		{"products are required", false, `Ada,Lovelace,ada@example.edu,,S1,,,`,
			[]msg{{csvfile.Error, "Products", "required, but the cell is empty", ""}}},
		{"product key in another case", false, `Ada,Lovelace,ada@example.edu,"Scheduling,CATALOG",,,,`, nil},
		{"product display name", false, `Ada,Lovelace,ada@example.edu,"scheduling, Course Demand Projections",,,,`,
			[]msg{{csvfile.Error, "Products", `"Course Demand Projections" is a name, not a product key; use "courseDemandProjections"`,
				"scheduling, courseDemandProjections"}}},
		{"product near miss", false, `Ada,Lovelace,ada@example.edu,schedulng,,,,`,
			[]msg{{csvfile.Error, "Products", `"schedulng" is not a product key; did you mean "scheduling"?`, "scheduling"}}},
		{"unknown product", false, `Ada,Lovelace,ada@example.edu,billing,,,,`,
			[]msg{{csvfile.Error, "Products", `"billing" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`, ""}}},
		{"two primary departments offline", false, `Ada,Lovelace,ada@example.edu,events,,"Mathematics, Physics",,`,
			[]msg{{csvfile.Error, "Department", "only one primary department is allowed, found 2; list the others under Secondary Departments", ""}}},
		{"a department whose name has a comma", true, `Ada,Lovelace,ada@example.edu,events,,"Languages, Literatures and Cultures",,`, nil},
		{"two primary departments live", true, `Ada,Lovelace,ada@example.edu,events,,"Mathematics, Physics",,`,
			[]msg{{csvfile.Error, "Department", "only one primary department is allowed, found 2; list the others under Secondary Departments", ""}}},
		{"secondary equals primary", false, `Ada,Lovelace,ada@example.edu,events,,Mathematics,"Physics, mathematics",`,
			[]msg{{csvfile.Warning, "Secondary Departments", `"Mathematics" is already the primary department`, "Physics"}}},
		{"department ID where the name belongs", true, `Ada,Lovelace,ada@example.edu,events,,dep-0107,,`,
			[]msg{{csvfile.Error, "Department", `"dep-0107" is a name, not a department; use "Mathematics"`, "Mathematics"}}},
		{"unknown department", true, `Ada,Lovelace,ada@example.edu,events,,Astrology,,`,
			[]msg{{csvfile.Error, "Department", `"Astrology" is not a department; use one of: Biology, Chemistry, Computer Science, Mathematics, Physics, Languages, Literatures and Cultures`, ""}}},
		{"role name where the ID belongs", true, `Ada,Lovelace,ada@example.edu,events,,,,"r-e83b1f4d, Faculty"`,
			[]msg{{csvfile.Error, "Role IDs", `"Faculty" is a name, not a role ID; use "r-6f1e2d93"`, "r-e83b1f4d, r-6f1e2d93"}}},
		{"role name offline is not checked", false, `Ada,Lovelace,ada@example.edu,events,,,,Faculty`, nil},
		{"unknown role ID", true, `Ada,Lovelace,ada@example.edu,events,,,,r-00000000`,
			[]msg{{csvfile.Error, "Role IDs", `"r-00000000" is not a known role ID`, ""}}},
		{"two prebuilt roles", true, `Ada,Lovelace,ada@example.edu,events,,,,"r-7f3a91c2,r-2b8e4d10,r-6f1e2d93"`,
			[]msg{{csvfile.Warning, "Role IDs", `more than one prebuilt role (r-7f3a91c2 "Super Admin", r-2b8e4d10 "Scheduling Admin"); Coursedog advises assigning at most one`, ""}}},
		{"one prebuilt role", true, `Ada,Lovelace,ada@example.edu,events,,,,"r-7f3a91c2,r-6f1e2d93"`, nil},
		{"bad email", false, `Ada,Lovelace,ada@example,events,,,,`,
			[]msg{{csvfile.Error, "Email", `"ada@example" is not an email address: the domain "example" has no dot`, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := coursedog.NewSchema(nil, nil)
			if tt.live {
				s = coursedog.NewSchema(liveRoles, liveDepartments)
			}
			f, err := csvfile.Read(strings.NewReader(header+tt.row+"\n"), "users.csv", s, csvfile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []msg
			for _, m := range csvfile.Validate(f).Row(0) {
				if m.Line != 2 {
					t.Errorf("message on line %d, want 2", m.Line)
				}
				fix := ""
				if m.Fix != nil {
					fix = m.Fix.Value
				}
				got = append(got, msg{m.Severity, m.Column, m.Text, fix})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("messages\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestFixesClearTheirMessages applies every suggested fix of a bad row and
// expects a clean row.
func TestFixesClearTheirMessages(t *testing.T) {
	s := coursedog.NewSchema(liveRoles, liveDepartments)
	row := `Ada,Lovelace,Ada Lovelace <ada@example.edu>,"Course Demand Projections, schedulng",,dep-0107,"Physics, Mathematics","Faculty, r-e83b1f4d"`
	f, err := csvfile.Read(strings.NewReader(header+row+"\n"), "users.csv", s, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := csvfile.Validate(f)
	ed := csvfile.NewEditor(f, v)
	for range 10 {
		var fix *csvfile.Fix
		for _, m := range v.Row(0) {
			if m.Fix != nil {
				fix = m.Fix
				break
			}
		}
		if fix == nil {
			break
		}
		if err := ed.ApplyFix(0, *fix); err != nil {
			t.Fatal(err)
		}
	}
	if ms := v.Row(0); len(ms) != 0 {
		t.Errorf("left after fixes: %+v", ms)
	}
	want := map[string]string{"email": "ada@example.edu", "products": "courseDemandProjections, scheduling",
		"department": "Mathematics", "secondaryDepartments": "Physics", "roles": "r-6f1e2d93, r-e83b1f4d"}
	for key, val := range want {
		if got := f.Raw(0, key); got != val {
			t.Errorf("%s = %q, want %q", key, got, val)
		}
	}
}

// writeBenchFile writes rows users in the template's layout, about 110
// bytes a row, with a few percent of the mistakes validation exists for.
func writeBenchFile(tb testing.TB, path string, rows int) int64 {
	fh, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	w := bufio.NewWriterSize(fh, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	firsts := strings.Fields("Aisha Alejandro Amelia Ben Camila Chen Daniel Elena Finn Grace Hiroshi Isabella Jamal Julia Kwame Leila Mateo Nadia Olivia Priya Rafael Samuel Thomas Valentina Yusuf")
	lasts := strings.Fields("Abara Bianchi Castillo Dubois Eriksen Fischer Garcia Hoffmann Ivanova Johnson Kowalski Larsen Moreau Nakamura Okafor Petrov Quinn Rossi Schneider Tanaka Umarov Varga Williams Yilmaz Zhang")
	products := strings.Fields("scheduling curriculum syllabus events catalog courseDemandProjections")
	depts := []string{"Biology", "Chemistry", "Computer Science", "Mathematics", "Physics"}
	w.WriteString(header)
	for i := range rows {
		first, last := firsts[rng.IntN(len(firsts))], lasts[rng.IntN(len(lasts))]
		email := strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example.edu"
		switch r := rng.IntN(1000); {
		case r < 100:
			email = first + "." + last + strconv.Itoa(i) + "@Example.edu" // mixed case
		case r < 105:
			email = strings.ToLower(first+"."+last) + strconv.Itoa(i-1) + "@example.edu" // maybe the row before's
		case r < 110:
			email = strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example" // no dot in the domain
		}
		ps := make([]string, 1+rng.IntN(3))
		for k := range ps {
			ps[k] = products[rng.IntN(len(products))]
		}
		if rng.IntN(100) == 0 {
			ps[0] = "Course Demand Projections"
		}
		dep := rng.IntN(len(depts))
		sec := ""
		if rng.IntN(2) == 0 {
			sec = depts[(dep+1+rng.IntN(len(depts)-1))%len(depts)]
			if rng.IntN(100) == 0 {
				sec = depts[dep] // the primary again
			}
		}
		roles := liveRoles[5+rng.IntN(5)].Value
		if rng.IntN(4) == 0 {
			roles = liveRoles[rng.IntN(5)].Value + "," + roles
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,S%07d,%s,%s,%s\n", first, last, email, cell(strings.Join(ps, ",")), i,
			depts[dep], cell(sec), cell(roles))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	info, err := fh.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return info.Size()
}

func cell(s string) string {
	if strings.Contains(s, ",") {
		return `"` + s + `"`
	}
	return s
}

// BenchmarkValidate1M compares validating a generated 1,000,000-row file
// with a bare encoding/csv read of the same file, side by side in one run,
// and measures validate's peak memory in a process of its own:
//
//	go test -run '^$' -bench Validate1M -benchtime 10x ./sync/coursedog/
//
// validate_x_* is Open+Validate's time over encoding/csv's with the schema
// `usersync validate` uses (roles and departments unknown), live_x_* with
// the school's roles and departments known; x_file_size is the peak
// resident memory over the file's size.
func BenchmarkValidate1M(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "users-1m.csv")
	size := writeBenchFile(b, path, rows)
	// Interleaved, in rotating order, so a change in the machine's load hits
	// all alike; for each validate, the median of its ratios to the
	// encoding/csv read of the same round and the ratio of the best times
	// (the ones least disturbed by other work on the machine).
	b.Run("side_by_side", func(b *testing.B) {
		offline, live := coursedog.NewSchema(nil, nil), coursedog.NewSchema(liveRoles, liveDepartments)
		validate := func(s *csvfile.Schema) func() {
			return func() {
				f, err := csvfile.Open(path, s, csvfile.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if v := csvfile.Validate(f); f.Len() != rows || v.Errors() == 0 {
					b.Fatalf("%d rows, %d errors", f.Len(), v.Errors())
				}
			}
		}
		runs := []func(){
			func() {
				if n := readEncodingCSV(b, path); n != rows+1 {
					b.Fatalf("%d records", n)
				}
			},
			validate(offline),
			validate(live),
		}
		best := []time.Duration{math.MaxInt64, math.MaxInt64, math.MaxInt64}
		var ratios [2][]float64
		for round := 0; b.Loop(); round++ {
			var took [3]time.Duration
			for k := range runs {
				k = (k + round) % len(runs)
				runtime.GC()
				start := time.Now()
				runs[k]()
				took[k] = time.Since(start)
				best[k] = min(best[k], took[k])
			}
			ratios[0] = append(ratios[0], float64(took[1])/float64(took[0]))
			ratios[1] = append(ratios[1], float64(took[2])/float64(took[0]))
		}
		median := func(r []float64) float64 { slices.Sort(r); return r[len(r)/2] }
		b.ReportMetric(float64(best[0].Milliseconds()), "csv_best_ms")
		b.ReportMetric(float64(best[1].Milliseconds()), "validate_best_ms")
		b.ReportMetric(float64(best[1])/float64(best[0]), "validate_x_best")
		b.ReportMetric(median(ratios[0]), "validate_x_median")
		b.ReportMetric(float64(best[2])/float64(best[0]), "live_x_best")
		b.ReportMetric(median(ratios[1]), "live_x_median")
	})
	b.Run("peak_memory", func(b *testing.B) {
		var peak int64
		for b.Loop() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestValidatePeakMemoryChild$", "-test.v")
			cmd.Env = append(os.Environ(), "USERSYNC_PEAK_FILE="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(out)
			if m == nil {
				b.Fatalf("no VmHWM in:\n%s", out)
			}
			kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
			peak = max(peak, kb<<10)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak_MiB")
		b.ReportMetric(float64(peak)/float64(size), "x_file_size")
	})
}

func readEncodingCSV(tb testing.TB, path string) int {
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
}

// TestValidatePeakMemoryChild is BenchmarkValidate1M's child process: it
// validates the file and prints its peak resident memory (VmHWM).
func TestValidatePeakMemoryChild(t *testing.T) {
	path := os.Getenv("USERSYNC_PEAK_FILE")
	if path == "" {
		t.Skip("run by BenchmarkValidate1M")
	}
	f, err := csvfile.Open(path, coursedog.NewSchema(nil, nil), csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := csvfile.Validate(f)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println(l)
		}
	}
	fmt.Printf("rows=%d errors=%d warnings=%d\n", f.Len(), v.Errors(), v.Warnings())
}

// TestDemoFileAgainstTheSandbox validates testdata/users.csv offline and
// with the roles and departments a sandbox reports: the role name in it is
// an error only once the roles are known.
func TestDemoFileAgainstTheSandbox(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1})
	c, _ := connect(t, srv, coursedog.Options{})
	live, err := coursedog.NewTarget(c).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	summary := func(s *csvfile.Schema) []string {
		f, err := csvfile.Open("../../testdata/users.csv", s, csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range csvfile.Validate(f).Messages() {
			fix := ""
			if m.Fix != nil {
				fix = " → " + m.Fix.Value
			}
			out = append(out, fmt.Sprintf("%d %s %s%s", m.Line, m.Severity, m.Column, fix))
		}
		return out
	}
	offline := []string{
		"3 error Products → scheduling, courseDemandProjections",
		"4 error Email → grace.hopper@example.edu",
		"6 error Products → curriculum",
		"8 warning Secondary Departments → Physics",
		"18 error Products → events, courseDemandProjections", // the same mistake as line 3: one fix for both
	}
	if got := summary(coursedog.NewSchema(nil, nil)); !slices.Equal(got, offline) {
		t.Errorf("offline\n got %q\nwant %q", got, offline)
	}
	online := slices.Insert(slices.Clone(offline), 2, "5 error Role IDs → r-6f1e2d93")
	if got := summary(live); !slices.Equal(got, online) {
		t.Errorf("against the sandbox\n got %q\nwant %q", got, online)
	}
}

// Default Product and Status are columns: Status takes Active or Inactive,
// Default Product a product key among the row's Products.
func TestDefaultProductAndStatusColumns(t *testing.T) {
	s := coursedog.NewSchema(liveRoles, liveDepartments)
	body := strings.TrimSuffix(templateHeader, "\n") + "\n" +
		"Ada,Lovelace,ada@example.edu,\"scheduling, events\",,,,,events,Inactive\n" +
		"Bob,Byte,bob@example.edu,scheduling,,,,,catalog,Active\n" +
		"Cy,Cole,cy@example.edu,scheduling,,,,,,Retired\n"
	f, err := csvfile.Read(strings.NewReader(body), "users.csv", s, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := csvfile.Validate(f)
	if ms := v.Row(0); len(ms) != 0 || f.Value(0, "defaultProduct") != "events" || f.Value(0, "status") != "Inactive" {
		t.Errorf("row 1: %+v", ms)
	}
	if ms := v.Row(1); len(ms) != 1 || ms[0].Column != "Default Product" || !strings.Contains(ms[0].Text, "not among the row's Products") ||
		ms[0].Fix == nil {
		t.Errorf("row 2: %+v", ms)
	}
	if ms := v.Row(2); len(ms) != 1 || ms[0].Column != "Status" {
		t.Errorf("row 3: %+v", ms)
	}
}
