package report

import "testing"

// A ${NAME} in what a step sends expands only when NAME is the
// reproduction's own variable or its credential's: any other, which a
// target could have put in an exchange, is escaped, so that it cannot
// expand (a secret of the user's environment, say) and go to the target.
func TestReproductionExpandsOnlyItsOwnVariables(t *testing.T) {
	vars := map[string]bool{"TARGET": true, TokenVar: true}
	got := dq("${TARGET}/a/${HW_SECRET_KEY}/$HOME/`id`", vars)
	want := `"${TARGET}/a/\${HW_SECRET_KEY}/\$HOME/` + "\\`id\\`" + `"`
	if got != want {
		t.Errorf("dq: %s, want %s", got, want)
	}
}
