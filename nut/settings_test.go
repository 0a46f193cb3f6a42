package nut

import (
	"fmt"
	"strings"
	"testing"
)

// Printing settings, in any form fmt offers, never shows a secret (a log
// line or a test failure would), while the other fields stay readable.
func TestSettingsPrintMasksSecrets(t *testing.T) {
	s := Defaults()
	s.MonPwd, s.RemotePwd = "mon-"+GeneratePassword(), "rem-"+GeneratePassword()
	s.SMTP.Password = "smtp-" + GeneratePassword()
	s.ExtraUsers = "[admin]\n\tpassword = extra-secret\n"
	secrets := []string{s.MonPwd, s.RemotePwd, s.SMTP.Password, "extra-secret"}
	nested := struct{ S Settings }{s}
	for _, c := range []struct {
		name string
		out  string
	}{
		{"%v", fmt.Sprintf("%v", s)},
		{"%+v", fmt.Sprintf("%+v", s)},
		{"%s", fmt.Sprintf("%s", s)},
		{"%#v", fmt.Sprintf("%#v", s)},
		{"pointer", fmt.Sprintf("%+v", &s)},
		{"nested", fmt.Sprintf("%+v", nested)},
		{"smtp", fmt.Sprintf("%+v", s.SMTP)},
		{"smtp %#v", fmt.Sprintf("%#v", s.SMTP)},
		{"slice", fmt.Sprint([]Settings{s})},
	} {
		for i, sec := range secrets {
			if strings.Contains(c.out, sec) {
				t.Errorf("%s: secret %d is shown", c.name, i)
			}
		}
		if !strings.Contains(c.out, masked) {
			t.Errorf("%s: no sign that a secret is set: %s", c.name, c.out)
		}
		if c.name != "smtp" && c.name != "smtp %#v" && !strings.Contains(c.out, "Identifier:"+s.Identifier) {
			t.Errorf("%s: the other fields are not shown: %s", c.name, c.out)
		}
	}
	if got := fmt.Sprintf("%+v", Settings{}); strings.Contains(got, masked) {
		t.Errorf("unset secrets shown as set: %s", got)
	}
}
