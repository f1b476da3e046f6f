// Package spelling finds the known word a mistyped one was meant to be: a
// label filter's rule id, a configuration variable's name. It is what
// "did you mean" messages are built from.
package spelling

import "strings"

// Nearest returns the candidate closest to word (Levenshtein distance,
// case-insensitive) and that distance; "" and -1 with no candidate.
func Nearest(word string, candidates []string) (string, int) {
	best, bestD := "", -1
	w := strings.ToUpper(word)
	for _, c := range candidates {
		if d := Distance(w, strings.ToUpper(c)); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// Distance is the Levenshtein distance between a and b, in bytes: the
// fewest insertions, deletions and substitutions that turn one into the
// other.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
