//go:build race

package workbook

// raceEnabled: the race detector slows the XML parsers tenfold, so the
// large hostile case is made smaller to keep within the same bounds.
const raceEnabled = true
