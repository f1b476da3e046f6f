package spelling

import "testing"

func TestNearest(t *testing.T) {
	for _, c := range []struct {
		word, want string
		d          int
	}{
		{"primary-forbiden", "PRIMARY-FORBIDDEN", 1},
		{"NICCONFORM_MOCK_DEVIATIONS", "NICCONFORM_MOCK_DEVIATION", 1},
		{"", "", -1},
	} {
		var candidates []string
		if c.word != "" {
			candidates = []string{"PRIMARY-FORBIDDEN", "NICCONFORM_MOCK_DEVIATION", "NICCONFORM_MOCK_DELAY"}
		}
		if got, d := Nearest(c.word, candidates); got != c.want || d != c.d {
			t.Errorf("Nearest(%q) = %q, %d; want %q, %d", c.word, got, d, c.want, c.d)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance(kitten, sitting) = %d, want 3", d)
	}
}
