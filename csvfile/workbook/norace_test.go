//go:build !race

package workbook

const raceEnabled = false
