package nut

import (
	"strings"
	"testing"
)

func TestPasswordChars(t *testing.T) {
	var want strings.Builder
	for c := byte('!'); c <= '~'; c++ { // printable ASCII without space
		if c != '#' && c != '\\' && c != '=' {
			want.WriteByte(c)
		}
	}
	if PasswordChars != want.String() {
		t.Fatalf("alphabet %q, want printable ASCII minus # \\ = (%q)", PasswordChars, want.String())
	}
	for _, c := range " #\\=" {
		if strings.ContainsRune(PasswordChars, c) {
			t.Errorf("alphabet holds %q", c)
		}
	}
	for _, c := range `"'$;!{}[]` {
		if !strings.ContainsRune(PasswordChars, c) {
			t.Errorf("alphabet lacks %q, which NUT accepts", c)
		}
	}
	// The whole alphabet as one password passes Nutmeg's own rules.
	s := Settings{MonPwd: PasswordChars}
	c := &checker{}
	c.nutWord("monpwd", "password", s.MonPwd, true, true)
	if len(c.errs) != 0 {
		t.Fatalf("alphabet breaks the password rules: %v", c.errs)
	}
}

func TestGeneratePassword(t *testing.T) {
	const n = 2000
	seen := map[string]bool{}
	counts := map[rune]int{}
	for i := 0; i < n; i++ {
		p := GeneratePassword()
		if len(p) != PasswordLength {
			t.Fatalf("length %d, want %d", len(p), PasswordLength)
		}
		if p[0] == '"' {
			t.Fatal("generated password starts with a double quote, which upsd cannot take")
		}
		if err := (Settings{MonPwd: p}).Validate(); err != nil && strings.Contains(err.Error(), "monpwd") {
			t.Fatalf("generated password fails validation: %v", err)
		}
		for _, r := range p {
			if !strings.ContainsRune(PasswordChars, r) {
				t.Fatalf("character %q outside the alphabet", r)
			}
			counts[r]++
		}
		if seen[p] {
			t.Fatal("the same password twice")
		}
		seen[p] = true
	}
	// 48000 draws from 91 characters: each appears about 527 times; missing
	// one would mean a broken mapping (chance of a false alarm ~e^-527).
	for _, r := range PasswordChars {
		if counts[r] == 0 {
			t.Errorf("%q never drawn", r)
		}
	}
	// Rejection sampling keeps it uniform: no character drawn twice as often
	// as the mean (a modulo bias would favour the first 74 by ~1.3x only, so
	// this guards against gross mistakes, not subtle ones).
	mean := n * PasswordLength / len(PasswordChars)
	for r, c := range counts {
		if c > 2*mean {
			t.Errorf("%q drawn %d times, mean %d", r, c, mean)
		}
	}
}

func BenchmarkGeneratePassword(b *testing.B) {
	for b.Loop() {
		GeneratePassword()
	}
}
