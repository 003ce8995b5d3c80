package csvfile

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func writeBenchFile(tb testing.TB, path string, rows int) int64 {
	fh, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	firsts := []string{"Aisha", "Alejandro", "Amelia", "Ben", "Camila", "Chen", "Daniel", "Elena", "Finn", "Grace", "Hiroshi", "Isabella", "Jamal", "Julia", "Kwame", "Leila", "Mateo", "Nadia", "Olivia", "Priya", "Rafael", "Samuel", "Thomas", "Valentina", "Yusuf"}
	lasts := []string{"Abara", "Bianchi", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Hoffmann", "Ivanova", "Johnson", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schneider", "Tanaka", "Umarov", "Varga", "Williams", "Yilmaz", "Zhang"}
	products := []string{"scheduling", "curriculum", "syllabus", "events", "catalog", "courseDemandProjections"}
	depts := []string{"Biology", "Chemistry", "Computer Science", "Economics", "English", "History", "Mathematics", "Music", "Nursing", "Physics"}
	roles := []string{"r-7f3a91c2", "r-2b8e4d10", "r-e83b1f4d", "r-14d9a6c3", "r-6f1e2d93", "r-d0a4c7b5"}
	w.WriteString("First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs\n")
	for i := range rows {
		first, last := firsts[rng.IntN(len(firsts))], lasts[rng.IntN(len(lasts))]
		email := strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example.edu"
		switch r := rng.IntN(1000); {
		case r < 100:
			email = first + "." + last + strconv.Itoa(i) + "@Example.edu" // mixed case
		case r < 105:
			email = strings.ToLower(first+"."+last) + strconv.Itoa(i-1) + "@example.edu" // same as the row before
		case r < 110:
			email = strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example" // no dot in the domain
		}
		np := 1 + rng.IntN(3)
		ps := make([]string, np)
		for k := range ps {
			ps[k] = products[rng.IntN(len(products))]
		}
		if rng.IntN(100) == 0 {
			ps[0] = "Course Demand Projections"
		}
		dep := depts[rng.IntN(len(depts))]
		sec := ""
		if rng.IntN(2) == 0 {
			sec = depts[rng.IntN(len(depts))]
		}
		rs := roles[2+rng.IntN(len(roles)-2)]
		if rng.IntN(4) == 0 {
			rs = roles[rng.IntN(2)] + "," + rs
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,S%07d,%s,%s,%s\n", first, last, email, csvCell(strings.Join(ps, ",")), i, dep, csvCell(sec), csvCell(rs))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	info, _ := fh.Stat()
	fh.Close()
	return info.Size()
}

func csvCell(s string) string {
	if strings.Contains(s, ",") {
		return `"` + s + `"`
	}
	return s
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

func BenchmarkValidate1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "users-1m.csv")
	size := writeBenchFile(b, path, 1_000_000)
	schema := testSchema(nil, nil)
	var csvNs float64
	b.Run("encoding_csv", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if n := readEncodingCSV(b, path); n != 1_000_001 {
				b.Fatal(n)
			}
		}
		csvNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("validate", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, err := Open(path, schema, Options{})
			if err != nil {
				b.Fatal(err)
			}
			v := Validate(f)
			if f.Len() != 1_000_000 || v.Errors() == 0 {
				b.Fatal(f.Len(), v.Errors())
			}
		}
		if csvNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/csvNs, "x_encoding_csv")
		}
	})
	b.Run("peak_memory", func(b *testing.B) {
		var peak int64
		for b.Loop() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemoryChild$", "-test.v")
			cmd.Env = append(os.Environ(), "CSVFILE_PEAK_FILE="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(out)
			if m == nil {
				b.Fatalf("no VmHWM in:\n%s", out)
			}
			kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
			peak = max(peak, kb*1024)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak_MiB")
		b.ReportMetric(float64(peak)/float64(size), "x_file_size")
	})
}

// TestPeakMemoryChild runs in a separate process for BenchmarkValidate1M,
// so the peak resident memory it reports is validate's alone.
func TestPeakMemoryChild(t *testing.T) {
	path := os.Getenv("CSVFILE_PEAK_FILE")
	if path == "" {
		t.Skip("run by BenchmarkValidate1M")
	}
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	status, _ := os.ReadFile("/proc/self/status")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM") {
			fmt.Println(l)
		}
	}
	fmt.Printf("rows=%d errors=%d heapSys=%dMiB\n", f.Len(), v.Errors(), ms.HeapSys>>20)
	runtime.KeepAlive(f)
}
