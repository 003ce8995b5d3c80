package csvfile

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/transform"
)

// encoder1252 writes every character decode1252 reads, the five C1
// controls included, however a save's writes cut the text (a character
// split across two buffers), and refuses what has no byte rather than
// writing something else.
func TestEncoder1252AcrossWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', 'é', '\u0081', '\u008d', '\u008f', '\u0090', '\u009d', '€', 'Ÿ', '\n', '"'}
	write := func(src []byte) ([]byte, error) {
		var out bytes.Buffer
		w := transform.NewWriter(&out, encoder1252{})
		for len(src) > 0 {
			k := min(1+rng.IntN(7000), len(src))
			if _, err := w.Write(src[:k]); err != nil {
				return nil, err
			}
			src = src[k:]
		}
		return out.Bytes(), w.Close()
	}
	for trial := range 100 {
		var text strings.Builder
		var want []byte
		for range rng.IntN(20000) {
			r := alphabet[rng.IntN(len(alphabet))]
			text.WriteRune(r)
			b, ok := encode1252(r)
			if !ok {
				t.Fatalf("%U has no byte", r)
			}
			want = append(want, b)
		}
		got, err := write([]byte(text.String()))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("trial %d: %v, %d bytes written, want %d", trial, err, len(got), len(want))
		}
		if decode1252(string(got)) != text.String() {
			t.Fatalf("trial %d: read back differs", trial)
		}
	}
	// One cell of 100k characters beyond ASCII, in one write.
	big := strings.Repeat("é", 100000) + strings.Repeat("\u008d", 100000)
	if got, err := write([]byte(big)); err != nil || len(got) != 200000 {
		t.Fatalf("a 200k-character cell: %v, %d bytes", err, len(got))
	}
	for _, s := range []string{"a\xff", "a\xc3", "\xed\xa0\x80", "\u0080", "\u00a0\u0100"} {
		if got, err := write([]byte(s)); err == nil {
			t.Errorf("%q written as %q", s, got)
		}
	}
}

// A Windows-1252 file holding each of the five bytes, one in a large
// file's last row so a save's buffers are full around it: the fix each
// is offered removes it, and the saved file is the original without those
// bytes, still Windows-1252; saved as UTF-8 instead, the controls are kept
// as UTF-8 and read back the same.
func TestWindows1252UndefinedBytesFixedAndSaved(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader)
	for i := range 3000 {
		fmt.Fprintf(&b, "Zo\xeb,Ng,zoe%d@example.edu,events,,,,\n", i)
	}
	undefined := []byte{0x81, 0x8D, 0x8F, 0x90, 0x9D}
	for i, c := range undefined {
		fmt.Fprintf(&b, "A%sda,L\xf6we,ada%d@example.edu,events,,,,\n", []byte{c}, i)
	}
	content := b.String()
	for _, utf8 := range []bool{false, true} {
		path := writeFile(t, t.TempDir(), "w.csv", content)
		f, err := Open(path, testSchema(nil, nil), Options{})
		if err != nil || f.Encoding() != EncWindows1252 {
			t.Fatalf("open: %v, %s", err, f.Encoding())
		}
		ed := NewEditor(f, Validate(f))
		if utf8 {
			if _, err := ed.SaveAs(EncUTF8); err != nil {
				t.Fatal(err)
			}
			again, err := Open(path, testSchema(nil, nil), Options{})
			if err != nil || again.Encoding() != EncUTF8 {
				t.Fatalf("re-read: %v, %s", err, again.Encoding())
			}
			for k, c := range undefined {
				if got, want := again.Cells(3000 + k)[0], "A"+string(rune(c))+"da"; got != want {
					t.Errorf("row %d read back as %q, want %q", 3000+k, got, want)
				}
			}
			continue
		}
		v := Validate(f)
		for k := range undefined {
			ms := v.Row(3000 + k)
			if len(ms) == 0 || ms[0].Fix == nil {
				t.Fatalf("row %d: no fix offered: %v", 3000+k, ms)
			}
			if err := ed.ApplyFix(3000+k, *ms[0].Fix); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ed.Save(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		want := content
		for _, c := range undefined {
			want = strings.Replace(want, string([]byte{c}), "", 1)
		}
		if string(got) != want {
			t.Fatalf("saved %d bytes, want %d: the fixes did not remove exactly the five bytes", len(got), len(want))
		}
	}
}

// decode1252 reads every byte of s as Windows-1252, through the table the
// reader uses (which, reading files, keeps what is UTF-8 as UTF-8).
func decode1252(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(win1252[s[i]])
	}
	return b.String()
}
