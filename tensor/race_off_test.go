//go:build !race

package tensor

// raceEnabled is true when the race detector is compiled in (race_on_test.go).
const raceEnabled = false
