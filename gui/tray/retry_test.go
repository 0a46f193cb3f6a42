package tray

import (
	"os"
	"testing"
	"time"
)

func TestIconRetryDelay(t *testing.T) {
	for _, c := range []struct {
		try  int
		want time.Duration
		ok   bool
	}{
		{1, 3 * time.Second, true},
		{2, 6 * time.Second, true},
		{5, 48 * time.Second, true},
		{6, time.Minute, true},
		{14, time.Minute, true},
		{15, 0, false},
	} {
		d, ok := iconRetryDelay(c.try)
		if d != c.want || ok != c.ok {
			t.Errorf("iconRetryDelay(%d) = %v, %v; want %v, %v", c.try, d, ok, c.want, c.ok)
		}
	}
	var all time.Duration
	for try := 1; ; try++ {
		d, ok := iconRetryDelay(try)
		if !ok {
			break
		}
		all += d
	}
	if all < 10*time.Minute || all > 11*time.Minute {
		t.Errorf("the tries wait %v in all; want about ten minutes", all)
	}
}

func TestTryNumber(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"", 1}, {"3", 3}, {"0", 1}, {"x", 1}} {
		t.Setenv(envTry, c.env)
		if got := tryNumber(); got != c.want {
			t.Errorf("%s=%q: try %d, want %d", envTry, c.env, got, c.want)
		}
		if v, set := os.LookupEnv(envTry); set {
			t.Errorf("%s=%q is still set after tryNumber (%q): the windows would inherit it", envTry, c.env, v)
		}
	}
}
