// Command bench measures `usersync validate` against a bare encoding/csv
// read of the same file, whole process against whole process, side by
// side (see BENCHMARKS.md). It lives under testdata so that it is never
// part of the usersync binary or of `go test ./...`.
//
//	go run ./testdata/bench gen -rows 1000000 -o users.csv
//	go run ./testdata/bench read users.csv
//	go run ./testdata/bench compare -runs 5 -usersync ./usersync users.csv
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench gen|read|compare ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "read":
		err = read(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// gen writes a coursedog file in the template's layout, about 110 bytes a
// row, as BenchmarkValidate1M's generator does, but with every row valid:
// 10% of the addresses in mixed case, and one row in eight listing its
// primary department again as a secondary one (a warning with a fix).
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	rows := fs.Int("rows", 1_000_000, "rows to write")
	out := fs.String("o", "users.csv", "file to write")
	fs.Parse(args)
	fh, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	firsts := strings.Fields("Aisha Alejandro Amelia Ben Camila Chen Daniel Elena Finn Grace Hiroshi Isabella Jamal Julia Kwame Leila Mateo Nadia Olivia Priya Rafael Samuel Thomas Valentina Yusuf")
	lasts := strings.Fields("Abara Bianchi Castillo Dubois Eriksen Fischer Garcia Hoffmann Ivanova Johnson Kowalski Larsen Moreau Nakamura Okafor Petrov Quinn Rossi Schneider Tanaka Umarov Varga Williams Yilmaz Zhang")
	products := strings.Fields("scheduling curriculum syllabus events catalog courseDemandProjections")
	depts := []string{"Biology", "Chemistry", "Computer Science", "Mathematics", "Physics"}
	roles := []string{"r-6f1e2d93", "r-2b8e4d10", "r-0a1b2c3d", "r-4c4c4c4c", "r-5d5d5d5d"}
	w.WriteString("First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs\n")
	for i := range *rows {
		first, last := firsts[rng.IntN(len(firsts))], lasts[rng.IntN(len(lasts))]
		email := strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example.edu"
		if rng.IntN(10) == 0 {
			email = first + "." + last + strconv.Itoa(i) + "@Example.edu"
		}
		ps := make([]string, 1+rng.IntN(3))
		for k := range ps {
			ps[k] = products[rng.IntN(len(products))]
		}
		dep := rng.IntN(len(depts))
		sec := ""
		switch rng.IntN(8) {
		case 0:
			sec = depts[dep] // the primary again: the warning
		case 1, 2, 3:
			sec = depts[(dep+1+rng.IntN(len(depts)-1))%len(depts)]
		}
		role := roles[rng.IntN(len(roles))]
		if rng.IntN(4) == 0 {
			role += "," + roles[rng.IntN(len(roles))]
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,S%07d,%s,%s,%s\n", first, last, email, cell(strings.Join(ps, ",")), i,
			depts[dep], sec, cell(role))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return fh.Close()
}

func cell(s string) string {
	if strings.Contains(s, ",") {
		return `"` + s + `"`
	}
	return s
}

// read is the baseline: encoding/csv with ReuseRecord, counting records.
func read(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: bench read FILE")
	}
	fh, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.ReuseRecord = true
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
	}
	fmt.Println(n, "records")
	return nil
}

type sample struct {
	wall time.Duration
	cpu  time.Duration
	rss  int64 // peak, bytes
}

// measure runs a command and returns its wall time, CPU time and peak
// resident memory (wait4's ru_maxrss), and its stderr.
func measure(name string, args ...string) (sample, []byte, error) {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return sample{}, nil, err
		}
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall, cpu, ru.Maxrss << 10}, stderr.Bytes(), nil
}

// compare runs the bare read and usersync validate back to back, in
// alternating order, and prints medians and their ratios.
func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	runs := fs.Int("runs", 5, "runs of each")
	usersync := fs.String("usersync", "usersync", "the usersync binary")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: bench compare [-runs N] [-usersync PATH] FILE")
	}
	file := fs.Arg(0)
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var base, val []sample
	var lines int
	for r := range *runs {
		order := []bool{false, true}
		if r%2 == 1 {
			order = []bool{true, false}
		}
		for _, isValidate := range order {
			if isValidate {
				s, out, err := measure(*usersync, "validate", file)
				if err != nil {
					return err
				}
				val = append(val, s)
				lines = bytes.Count(out, []byte("\n"))
			} else {
				s, _, err := measure(self, "read", file)
				if err != nil {
					return err
				}
				base = append(base, s)
			}
		}
	}
	warnings, messages, err := countJSON(*usersync, file)
	if err != nil {
		return err
	}
	med := func(ss []sample, f func(sample) int64) int64 {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	wall := func(s sample) int64 { return int64(s.wall) }
	cpu := func(s sample) int64 { return int64(s.cpu) }
	rss := func(s sample) int64 { return s.rss }
	ms := func(d int64) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Printf("file %s: %.1f MB\n", file, float64(info.Size())/1e6)
	fmt.Printf("| measure (median of %d) | usersync validate | bare encoding/csv read | ratio |\n|---|---|---|---|\n", *runs)
	fmt.Printf("| wall | %s | %s | %.2f× |\n", ms(med(val, wall)), ms(med(base, wall)), float64(med(val, wall))/float64(med(base, wall)))
	fmt.Printf("| CPU (user + system) | %s | %s | %.2f× |\n", ms(med(val, cpu)), ms(med(base, cpu)), float64(med(val, cpu))/float64(med(base, cpu)))
	fmt.Printf("| peak RSS | %s | %s | %.2f× the file |\n", mib(med(val, rss)), mib(med(base, rss)), float64(med(val, rss))/float64(info.Size()))
	fmt.Printf("| lines printed | %d | | |\n", lines)
	fmt.Printf("| --json: messages, warnings | %d, %d | | |\n", messages, warnings)
	for i := range val {
		fmt.Printf("run %d: validate %s %s, read %s %s\n", i+1, ms(int64(val[i].wall)), mib(val[i].rss), ms(int64(base[i].wall)), mib(base[i].rss))
	}
	return nil
}

// countJSON runs validate --json and counts the messages it lists.
func countJSON(usersync, file string) (warnings, messages int, err error) {
	cmd := exec.Command(usersync, "validate", "--json", file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	var doc struct {
		Messages []struct {
			Severity string `json:"severity"`
		} `json:"messages"`
		Warnings int `json:"warnings"`
	}
	derr := json.NewDecoder(out).Decode(&doc)
	cmd.Wait()
	if derr != nil {
		return 0, 0, derr
	}
	for _, m := range doc.Messages {
		if m.Severity == "warning" {
			warnings++
		}
	}
	if warnings != doc.Warnings {
		return 0, 0, fmt.Errorf("--json lists %d warnings but counts %d", warnings, doc.Warnings)
	}
	return warnings, len(doc.Messages), nil
}
