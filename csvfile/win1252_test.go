package csvfile

import (
	"bytes"
	"math/rand/v2"
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
