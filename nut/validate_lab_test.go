package nut

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
	"github.com/nutmeg-ups/nutmeg/nut/nutquote"
)

// The validation rules match what NUT 2.8.0 really does. With the real
// driver, upsd and upsmon:
//   - an identifier with every character class Nutmeg allows ("." "," "-"
//     "_", letters, digits) works as ups.conf section, in upsd's protocol and
//     in upsmon's MONITOR ups@host;
//   - a user name and a password made of every character Nutmeg allows
//     (the generator's whole alphabet) log in through upsmon;
//   - a password with "=", which Nutmeg refuses, does not.
func TestNUTAcceptsAllowedCharacters(t *testing.T) {
	lab := nutlab.New(t)
	const ups, ctl = "Ups.1,a-b_C9", "ctl"
	var punct strings.Builder
	for _, r := range PasswordChars {
		if !isASCIIAlnum(r) {
			punct.WriteRune(r)
		}
	}
	user := "u" + punct.String()
	pw := PasswordChars
	const badPw = "pass=word"

	// Nutmeg's verdicts on the same values.
	c := &checker{}
	c.identifier(ups)
	c.nutWord("monuser", "user name", user, false, true)
	c.nutWord("monpwd", "password", pw, true, true)
	if len(c.errs) != 0 {
		t.Fatalf("Nutmeg refuses what the test proves NUT accepts: %v", c.errs)
	}
	c.nutWord("monpwd", "password", badPw, true, true)
	if len(c.errs) != 1 {
		t.Fatalf("Nutmeg accepts %q's kind of password", "=")
	}

	marker := filepath.Join(lab.Dir, "shutdown-ran")
	online := map[string]string{"ups.status": "OL", "battery.charge": "100"}
	lab.WriteDev("good.dev", online)
	lab.WriteDev("ctl.dev", online)
	lab.WriteFile("nut.conf", "MODE=netserver\n")
	lab.WriteFile("ups.conf", fmt.Sprintf("[%s]\n\tdriver = dummy-ups\n\tport = good.dev\n[%s]\n\tdriver = dummy-ups\n\tport = ctl.dev\n", ups, ctl))
	lab.WriteFile("upsd.conf", fmt.Sprintf("LISTEN 127.0.0.1 %d\n", lab.Port))
	// The section header is not quoted; its '"' needs the backslash all the same.
	header := nutquote.Escape(user)
	lab.WriteFile("upsd.users", fmt.Sprintf("[%s]\n\tpassword = %s\n\tupsmon primary\n[%s]\n\tpassword = %s\n\tupsmon primary\n",
		header, nutquote.Quote(pw), ctl, nutquote.Quote(badPw)))
	lab.WriteFile("upsmon.conf", fmt.Sprintf(
		"MONITOR %s@%s 1 %s %s primary\nMONITOR %s@%s 1 %s %s primary\nSHUTDOWNCMD \"/bin/sh -c 'date > %s'\"\nPOLLFREQ 1\nPOLLFREQALERT 1\n%s",
		ups, lab.Addr(), nutquote.Quote(user), nutquote.Quote(pw), ctl, lab.Addr(), ctl, nutquote.Quote(badPw), marker, nutlab.RunAsUserLine()))

	lab.StartDriver("dummy-ups", ups)
	args := []string{"-a", ctl, "-F"}
	if nutlab.IsRoot() {
		args = append(args, "-u", "root")
	}
	lab.Start("driver-ctl", "dummy-ups", args...)
	lab.StartUpsd()
	lab.WaitReady(ups, 15*time.Second)
	lab.WaitReady(ctl, 15*time.Second)
	mon := lab.StartUpsmon()

	lab.WaitLogins(ups, 1, 20*time.Second)
	lab.WaitUntil("upsd refused the password with \"=\"", 20*time.Second, func() bool {
		return strings.Contains(mon.Output(), "["+ctl+"@") && strings.Contains(mon.Output(), "ERR INVALID-ARGUMENT")
	})
	if ans, err := lab.Query("GET NUMLOGINS " + ctl); err != nil || ans != "NUMLOGINS "+ctl+" 0" {
		t.Fatalf("login with \"=\" in the password: %q %v", ans, err)
	}
	if v, err := lab.Var(ups, "ups.status"); err != nil || v != "OL" {
		t.Fatalf("upsd via the identifier: %q %v", v, err)
	}
}
