//go:build !race

package csvfile

const raceEnabled = false
