package csvfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fuzzSeeds are small files covering each path of the reader.
var fuzzSeeds = []string{
	testHeader + "Ada,Lovelace,ada@example.edu,\"events, Course Demand Projections\",S1,Mathematics,\"Physics, Mathematics\",\"r-1,Advisor\"\n",
	"\uFEFFFirst Name;Last Name;E-mail;Products\r\nAda;\"Love\r\nlace\";ada@example.edu;events\r\n\r\n;;;\r\n",
	"sep=;\nFirst Name;Last Name;Email;Products\nRen\xe9e;D;r@example.edu;catalgo\n",
	"\xff\xfeF\x00i\x00r\x00s\x00t\x00 \x00N\x00a\x00m\x00e\x00\n\x00",
	"First Name,Last Name,Email,Products,,Notes\n\"Ada\"x,\"B\"\"c\",Ada <a@b.edu>,\n a , b ,a@b.edu,events,1,2,3\n",
	"First Name\tLast Name\tEmail\tProducts\nA\tB\tC@D.E\tevents\nA\tB\tc@d.e\tevents\n",
	"First Name,Last Name,Email,Products\r\"x\",y,z@w.v,events\r",
	"Given,Surname,Mail\n",
}

func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), byte(0))
	}
	f.Add([]byte(fuzzSeeds[1]), byte(2))
	f.Fuzz(func(t *testing.T, data []byte, d byte) {
		opts := Options{Delimiter: []rune{0, ',', ';', '\t', '|'}[int(d)%5]}
		file, err := Read(bytes.NewReader(data), "fuzz.csv", testSchema(nil, nil), opts)
		// Read in several shares, the same file comes out.
		shared, serr := Read(bytes.NewReader(data), "fuzz.csv", testSchema(nil, nil), Options{Delimiter: opts.Delimiter, workers: 3})
		if (err == nil) != (serr == nil) || (err != nil && err.Error() != serr.Error()) {
			t.Fatalf("in shares: %v, in one piece: %v", serr, err)
		}
		if err == nil {
			if shared.Len() != file.Len() || !reflect.DeepEqual(shared.Warnings(), file.Warnings()) {
				t.Fatalf("in shares %d rows %v, in one piece %d rows %v", shared.Len(), shared.Warnings(), file.Len(), file.Warnings())
			}
			for i := range file.Len() {
				if !reflect.DeepEqual(shared.Cells(i), file.Cells(i)) || shared.Line(i) != file.Line(i) {
					t.Fatalf("row %d in shares %q line %d, in one piece %q line %d", i, shared.Cells(i), shared.Line(i), file.Cells(i), file.Line(i))
				}
			}
		}
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Msg == "" || !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Fatalf("error %T %q", err, err)
			}
			return
		}
		checkFile(t, file)
		// Writing the file and reading it back gives the same cells.
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		lines, _, err := file.write(w)
		if err != nil {
			t.Fatal(err)
		}
		w.Flush()
		again, err := Read(&buf, "again.csv", testSchema(nil, nil), Options{Delimiter: file.Delimiter()})
		if err != nil {
			t.Fatalf("re-read: %v\n%q", err, buf.String())
		}
		if again.Len() != file.Len() || !reflect.DeepEqual(again.Header(), file.Header()) {
			t.Fatalf("re-read %d rows %q, wrote %d rows %q", again.Len(), again.Header(), file.Len(), file.Header())
		}
		for i := range file.Len() {
			want := file.Cells(i)
			for len(want) < len(file.Header()) {
				want = append(want, "")
			}
			if got := again.Cells(i); !reflect.DeepEqual(got, want) || again.Line(i) != int(lines[i]) {
				t.Fatalf("row %d re-read %q on line %d, wrote %q on line %d", i, got, again.Line(i), want, lines[i])
			}
		}
	})
}

// checkFile asserts what every read file promises.
func checkFile(t *testing.T, f *File) {
	t.Helper()
	if f.Len() == 0 {
		t.Fatal("a file without rows was read")
	}
	prev := 0
	for i := range f.Len() {
		if f.Line(i) <= prev {
			t.Fatalf("row %d on line %d after line %d", i, f.Line(i), prev)
		}
		prev = f.Line(i)
		blank := true
		for _, c := range f.Cells(i) {
			if len(c) > MaxCell {
				t.Fatalf("row %d has a cell of %d bytes", i, len(c))
			}
			blank = blank && isBlank(c)
		}
		if blank {
			t.Fatalf("row %d is blank", i)
		}
		for _, fd := range f.Schema().Fields {
			if v := f.Value(i, fd.Key); v != strings.TrimSpace(v) {
				t.Fatalf("Value %q not trimmed", v)
			}
			for _, it := range f.List(i, fd.Key) {
				if it == "" || strings.Contains(it, ",") {
					t.Fatalf("list item %q", it)
				}
			}
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint16(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, edits uint16) {
		file, err := Read(bytes.NewReader(data), "fuzz.csv", testSchema(testRoles, testDepartments), Options{})
		if err != nil {
			return
		}
		v := Validate(file)
		checkValidation(t, file, v)
		for i := range file.Len() {
			if e := file.Value(i, "email"); e != "" && emailValid(e) != (emailProblem(e) == "") {
				t.Fatalf("%q: emailValid %v, emailProblem %q", e, emailValid(e), emailProblem(e))
			}
		}
		before := v.Messages()
		// Apply fixes and a few edits; the incremental result must equal a
		// fresh pass, and undoing everything must bring back the start.
		ed := NewEditor(file, v)
		for step := 0; step < int(edits%16); step++ {
			i := step % file.Len()
			applied := false
			for _, m := range v.Row(i) {
				if m.Fix != nil {
					if err := ed.ApplyFix(i, *m.Fix); err != nil && file.Has(keyOf(file, m.Fix.Column)) {
						t.Fatalf("fix %+v: %v", m.Fix, err)
					}
					applied = true
					break
				}
			}
			if !applied && file.Has("email") {
				ed.Set(i, "email", file.Value((i+1)%file.Len(), "email"))
			}
			checkValidation(t, file, v)
			if fresh := Validate(file); !reflect.DeepEqual(v.Messages(), fresh.Messages()) {
				t.Fatalf("step %d: incremental\n%+v\nfull\n%+v", step, v.Messages(), fresh.Messages())
			}
		}
		for ed.Undo() {
		}
		if !reflect.DeepEqual(v.Messages(), before) || ed.Dirty() {
			t.Fatalf("after undo\n%+v\nbefore\n%+v", v.Messages(), before)
		}
	})
}

func keyOf(f *File, header string) string {
	for _, fd := range f.Schema().Fields {
		if fd.Header == header {
			return fd.Key
		}
	}
	return ""
}

// checkValidation asserts that the counts, the per-row messages and the
// file-order list agree.
func checkValidation(t *testing.T, f *File, v *Validation) {
	t.Helper()
	errs, warns, bad := 0, len(f.Warnings()), 0
	for i := range f.Len() {
		rowErr := false
		for _, m := range v.Row(i) {
			if m.Line != f.Line(i) {
				t.Fatalf("row %d message on line %d, row on %d", i, m.Line, f.Line(i))
			}
			if m.Text == "" {
				t.Fatalf("empty message %+v", m)
			}
			if m.Fix != nil && keyOf(f, m.Fix.Column) == "" {
				t.Fatalf("fix for no column: %+v", m.Fix)
			}
			if m.Severity == Error {
				errs++
				rowErr = true
			} else {
				warns++
			}
		}
		if rowErr {
			bad++
		}
		if v.OK(i) == rowErr {
			t.Fatalf("OK(%d) = %v", i, v.OK(i))
		}
	}
	if errs != v.Errors() || warns != v.Warnings() || bad != v.RowsWithErrors() {
		t.Fatalf("counted %d/%d/%d, reported %d/%d/%d", errs, warns, bad, v.Errors(), v.Warnings(), v.RowsWithErrors())
	}
	ms := v.Messages()
	if len(ms) != errs+warns {
		t.Fatalf("%d messages, %d counted", len(ms), errs+warns)
	}
	for k := 1; k < len(ms); k++ {
		if ms[k].Line < ms[k-1].Line {
			t.Fatalf("messages out of order at %d", k)
		}
	}
}

// FuzzEmail holds the one-pass check to the explaining one.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"ada@example.edu", "a..b@x.y", "@x.y", "a@", "a@b", "a@-b.c", "a@b-.c", "a@b..c", ".a@b.c", "a.@b.c",
		"ada lovelace@x.edu", "a@b@c.d", "Ada <a@b.c>", "adá@exämple.edu", "o'neil+x@a.b", "a@b.c.", "a@.b.c",
		"a\u00a0b@x.y", "a\u200b@x.y", "\u201ca@x.y\u201d", "a@x\u0301.y", "a@x.y\xe9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if emailValid(s) != (emailProblem(s) == "") {
			t.Fatalf("%q: emailValid %v, emailProblem %q", s, emailValid(s), emailProblem(s))
		}
		if problem, _ := checkEmail(s); (problem == "") != emailValid(s) {
			t.Fatalf("%q: checkEmail %q", s, problem)
		}
	})
}

func FuzzMatchHeader(f *testing.F) {
	f.Add("First Name\nLast Name\nEmail\nProducts", "")
	f.Add("given name\nSURNAME\ne_mail\nproduct s\nDept\n\n", "Dept=Department\ne_mail=")
	f.Add("Email\nE-mail\nFirst Name\nLast Name\nProducts", "E-mail=")
	f.Add("A\nB\nC", "A=First Name\nB=lastName\nC=Email\nD=Products")
	f.Fuzz(func(t *testing.T, headers, mapping string) {
		s := testSchema(nil, nil)
		hs := strings.Split(headers, "\n")
		m := map[string]string{}
		for _, l := range strings.Split(mapping, "\n") {
			if from, to, err := ParseMapping(l); err == nil {
				m[from] = to
			}
		}
		cols, warns, err := MatchHeaders(s, hs, m)
		if err != nil {
			if err.Msg == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(cols) != len(hs) {
			t.Fatalf("%d columns for %d headers", len(cols), len(hs))
		}
		claimed := map[int]bool{}
		for c, fi := range cols {
			if fi < -1 || fi >= len(s.Fields) || (fi >= 0 && claimed[fi]) {
				t.Fatalf("column %d → field %d (claimed %v)", c, fi, claimed)
			}
			if fi >= 0 {
				claimed[fi] = true
			}
			if _, mapped := m[hs[c]]; !mapped && len(m) == 0 {
				if want := MatchHeader(s, hs[c]); (want == nil) != (fi < 0) || (want != nil && s.Fields[fi].Key != want.Key) {
					t.Fatalf("column %q → %d, MatchHeader says %v", hs[c], fi, want)
				}
			}
		}
		for i, fd := range s.Fields {
			if fd.Required && !claimed[i] {
				t.Fatalf("required %s not matched and no error", fd.Key)
			}
		}
		for _, w := range warns {
			if w.Severity != Warning || w.Text == "" {
				t.Fatalf("warning %+v", w)
			}
		}
		if n := normHeader(normHeader(headers)); n != normHeader(headers) {
			t.Fatalf("normHeader not idempotent: %q", headers)
		}
	})
}

// FuzzScan: Scan, reading in blocks of any size, says what Read and
// Validate say of the same bytes: the same error, or the same counts,
// messages (as a set: Scan hands some out late) and values.
func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), byte(0), uint8(16), uint8(3))
	}
	f.Add([]byte("\xEF\xBB\xBFFirst Name,Last Name,Email,Products\r\nAda,L,a@x.edu,events\r\nBo,M,A@X.edu,evnts\r\n"), byte(0), uint8(16), uint8(1))
	f.Add([]byte("First Name;Last Name;Email;Products\rAda;L;a@x.edu;\"ev\rents\"\r\xe9;M;b@x.edu;events\r"), byte(2), uint8(20), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, d byte, head, block uint8) {
		defer func(h, b int) { scanHead, scanBlock = h, b }(scanHead, scanBlock)
		scanHead, scanBlock = int(head), max(int(block), 1)
		opts := Options{Delimiter: []rune{0, ',', ';', '\t', '|'}[int(d)%5]}
		var msgs []string
		rows := 0
		size := int64(len(data)) // small: read on one goroutine
		if head%2 == 1 {
			size = -1 // not known: on its goroutines
		}
		sum, serr := scanReader(bytes.NewReader(data), "fuzz.csv", testSchema(testRoles, testDepartments), opts, ScanHandler{
			Message: func(m Message) error {
				b, _ := json.Marshal(m)
				msgs = append(msgs, string(b))
				return nil
			},
			Row: func(r *ScanRow) error { rows++; return nil },
		}, size)
		file, err := Read(bytes.NewReader(data), "fuzz.csv", testSchema(testRoles, testDepartments), opts)
		if err != nil {
			// Read looks at the whole file for NUL bytes and broken UTF-16
			// before anything else; Scan finds them when it gets there, and
			// may have found something else wrong before (the header, a
			// quote never closed, the other of the two).
			whole := func(e error) bool {
				for _, m := range []string{"binary data (a NUL byte)", "ends in the middle of a character", "a broken character here"} {
					if strings.Contains(e.Error(), m) {
						return true
					}
				}
				return false
			}
			if serr == nil || serr.Error() != err.Error() && !whole(err) && !whole(serr) {
				t.Fatalf("Read: %v; Scan: %v", err, serr)
			}
			return
		}
		if serr != nil {
			t.Fatalf("Scan: %v; Read read it", serr)
		}
		v := Validate(file)
		var want []string
		for _, m := range v.Messages() {
			b, _ := json.Marshal(m)
			want = append(want, string(b))
		}
		slices.Sort(msgs)
		slices.Sort(want)
		if !slices.Equal(msgs, want) || sum.Rows != file.Len() || rows != file.Len() || sum.Errors != v.Errors() ||
			sum.Warnings != v.Warnings() || sum.RowsWithErrors != v.RowsWithErrors() || sum.Encoding != file.Encoding() {
			t.Fatalf("Scan %+v\n%q\nValidate %d rows, %d errors, %d warnings, %d bad rows, %s\n%q",
				sum, msgs, file.Len(), v.Errors(), v.Warnings(), v.RowsWithErrors(), file.Encoding(), want)
		}
	})
}
