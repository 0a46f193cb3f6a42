package fynelocale

import (
	"slices"
	"testing"
)

func TestEnviron(t *testing.T) {
	tests := []struct {
		env  []string
		want string // LANGUAGE added, "" for none
	}{
		{[]string{"LANG=C.UTF-8"}, "en"},
		{[]string{"LANG=POSIX.UTF-8"}, "en"},
		{[]string{"LC_ALL=C.utf8", "LANG=de_DE.UTF-8"}, "en"},
		{[]string{"LANG=de_DE.UTF-8", "LC_MESSAGES=C.UTF-8"}, "en"},
		{[]string{"LANG=C"}, ""},       // go-locale itself maps exactly C to English
		{[]string{"LC_ALL=POSIX"}, ""}, // likewise
		{[]string{"LANG=de_DE.UTF-8"}, ""},
		{[]string{"LANG=C.UTF-8", "LANGUAGE=fr"}, ""}, // the user's choice stays
		{nil, ""},
	}
	for _, tc := range tests {
		got := Environ(slices.Clone(tc.env))
		added := ""
		if len(got) == len(tc.env)+1 {
			added = got[len(got)-1]
		}
		want := ""
		if tc.want != "" {
			want = "LANGUAGE=" + tc.want
		}
		if added != want || len(got) > len(tc.env)+1 {
			t.Errorf("%v: got %v, want %q added", tc.env, got, want)
		}
	}
}
