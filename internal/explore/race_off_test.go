//go:build !race

package explore_test

// raceEnabled: the race detector slows explore's long tests (the faithful
// mock against itself, the explore kill matrix) tenfold; they skip under it.
const raceEnabled = false
