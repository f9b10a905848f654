//go:build race

package tensor

// raceEnabled is true when the race detector is compiled in: tests then
// keep their goroutine paths but drop sizes that only serve accuracy.
const raceEnabled = true
