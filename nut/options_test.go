package nut

import "testing"

func TestFormatOptions(t *testing.T) {
	opts := map[string]string{"vendorid": "051d", "pollonly": "", "productid": "0002"}
	for _, tc := range []struct{ eq, sep, want string }{
		{" = ", "\n", "pollonly\nproductid = 0002\nvendorid = 051d"},
		{"=", " ", "pollonly productid=0002 vendorid=051d"},
	} {
		if got := FormatOptions(opts, tc.eq, tc.sep); got != tc.want {
			t.Errorf("%q %q: %q, want %q", tc.eq, tc.sep, got, tc.want)
		}
	}
	if got := FormatOptions(nil, "=", " "); got != "" {
		t.Errorf("no options: %q", got)
	}
}
