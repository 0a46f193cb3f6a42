package nut_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/nutlab"
)

// Validate judges the free-text fields with the
// real tokenizer, and each bad text becomes a FieldError naming its field.
func TestValidateUsesNUTTokenizer(t *testing.T) {
	nutlab.Require(t) // the settings use the real dummy-ups driver
	base := func() nut.Settings {
		s := nut.Defaults()
		s.Driver = "dummy-ups"
		return s
	}
	tests := []struct {
		name  string
		edit  func(*nut.Settings)
		field string // "" = valid
	}{
		{"good texts", func(s *nut.Settings) {
			s.ExtraUsers = "[admin]\n\tpassword = \"Adm1n-Secret\"\n\tactions = SET\n\tinstcmds = ALL\n"
			s.Options = "pollinterval = 10\nvendorid = 051d"
			s.OptionsUPSD = "MAXAGE 25"
		}, ""},
		{"extra users without a header", func(s *nut.Settings) { s.ExtraUsers = "password = \"Adm1n-Secret\"\nupsmon primary" }, "extrausers"},
		{"extra users unclosed quote", func(s *nut.Settings) { s.ExtraUsers = "[admin]\n\tpassword = \"Adm1n-Secret\n" }, "extrausers"},
		{"options start another section", func(s *nut.Settings) { s.Options = "pollinterval = 10\n[other]\ndriver = dummy-ups" }, "options"},
		{"upsd options with a section", func(s *nut.Settings) { s.OptionsUPSD = "[x]" }, "optionsupsd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.edit(&s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid: %v", err)
				}
				return
			}
			var ve nut.ValidationErrors
			if !errors.As(err, &ve) || len(ve) != 1 || ve[0].Field != tt.field || ve[0].Rule == "" {
				t.Fatalf("want one problem with %s, got %v", tt.field, err)
			}
			if strings.Contains(err.Error(), "Adm1n-Secret") {
				t.Fatalf("an extra user's password is shown:\n%v", err)
			}
		})
	}
}
