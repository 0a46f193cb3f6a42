package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// parseCases are NUT 2.8.0 parseconf behaviours; TestParseMatchesUpsd checks
// the one-line ones against the real upsd.
var parseCases = []struct {
	name string
	in   string
	want [][]string // nil with wantErr
	err  string     // substring of the error
}{
	{name: "split form", in: "desc = abc\n", want: [][]string{{"desc", "=", "abc"}}},
	{name: "equals splits words", in: "desc=x=y\n", want: [][]string{{"desc", "=", "x", "=", "y"}}},
	{name: "equals at word start", in: "desc = =ab\n", want: [][]string{{"desc", "=", "=", "ab"}}},
	{name: "escaped equals", in: `desc = a\=b` + "\n", want: [][]string{{"desc", "=", "a=b"}}},
	{name: "quoted", in: `desc = "a b  c"` + "\n", want: [][]string{{"desc", "=", "a b  c"}}},
	{name: "escapes in quotes", in: `desc = "esc \# \" \\ end"` + "\n", want: [][]string{{"desc", "=", `esc # " \ end`}}},
	{name: "escape of plain char in quotes", in: `desc = "\a\b"` + "\n", want: [][]string{{"desc", "=", "ab"}}},
	{name: "quote mid word is literal", in: `desc = ab"cd` + "\n", want: [][]string{{"desc", "=", `ab"cd`}}},
	{name: "closing quote ends word", in: `desc = "ab"cd` + "\n", want: [][]string{{"desc", "=", "ab", "cd"}}},
	{name: "empty quoted word", in: `desc = ""` + "\n", want: [][]string{{"desc", "=", ""}}},
	{name: "comment after word", in: "desc = abc # note\n", want: [][]string{{"desc", "=", "abc"}}},
	{name: "comment mid word", in: "desc = ab#c\n", want: [][]string{{"desc", "=", "ab"}}},
	{name: "escaped hash outside quotes", in: `desc = a\#b` + "\n", want: [][]string{{"desc", "=", "a#b"}}},
	{name: "escaped space outside quotes", in: `desc = a\ b` + "\n", want: [][]string{{"desc", "=", "a b"}}},
	{name: "brackets in value", in: `desc = "[h]"` + "\n", want: [][]string{{"desc", "=", "[h]"}}},
	{name: "specials", in: `desc = '$;!<>|&*?~` + "`%^@:,./+-_[]{}()\n", want: [][]string{{"desc", "=", `'$;!<>|&*?~` + "`%^@:,./+-_[]{}()"}}},
	{name: "crlf", in: "desc = abc\r\n", want: [][]string{{"desc", "=", "abc"}}},
	{name: "tab separates", in: "\tdesc\t=\tabc\n", want: [][]string{{"desc", "=", "abc"}}},
	{name: "hash in quotes", in: `desc = "a # b"` + "\n", err: "unescaped #"},
	{name: "tab in quotes", in: "desc = \"a\tb\"\n", err: "0x09"},
	{name: "non-ascii", in: "desc = Büro\n", err: "not printable ASCII"},
	{name: "control char", in: "desc = a\x01b\n", err: "0x01"},
	{name: "newline in quotes", in: "desc = \"ab\ncd\"\n", err: "newline inside quotes"},
	{name: "unterminated quote", in: `desc = "abc`, err: "quote not closed"},
	{name: "trailing backslash", in: `desc = abc\`, err: "backslash at the end"},
	{name: "word too long", in: "desc = " + strings.Repeat("x", 513) + "\n", err: "longer than 512"},
	{name: "too many words", in: strings.Repeat("w ", 33) + "\n", err: "more than 32"},
	{name: "max word ok", in: "desc = " + strings.Repeat("x", 512) + "\n", want: [][]string{{"desc", "=", strings.Repeat("x", 512)}}},
	{name: "non-ascii in comment is fine", in: "# Büro\ndesc = a\n", want: [][]string{{"desc", "=", "a"}}},
	{name: "continuation joins words", in: "desc = ab\\\ncd\n", want: [][]string{{"desc", "=", "abcd"}}},
	{name: "continuation after space makes an empty word", in: "desc = x \\\n  y\n", want: [][]string{{"desc", "=", "x", "", "y"}}},
	{name: "continuation in quotes", in: "desc = \"ab\\\ncd\"\n", want: [][]string{{"desc", "=", "abcd"}}},
	{name: "section", in: "[ups]\n\tdriver = dummy-ups\n", want: [][]string{{"[ups]"}, {"driver", "=", "dummy-ups"}}},
	{name: "no final newline", in: "a = b", want: [][]string{{"a", "=", "b"}}},
	{name: "blank and comment lines", in: "\n# c\n   \n\ta\n", want: [][]string{{"a"}}},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			lines, err := Parse(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Parse(%q) error = %v, want one with %q", c.in, err, c.err)
				}
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *ParseError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			var got [][]string
			for _, l := range lines {
				got = append(got, l.Args)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Parse(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestParseLineNumbers(t *testing.T) {
	lines, err := Parse("# top\n[a]\n\tx = \"1\\\n2\"\n\n\ty = 3\n")
	if err != nil {
		t.Fatal(err)
	}
	var nums []int
	for _, l := range lines {
		nums = append(nums, l.Num)
	}
	if want := []int{2, 3, 6}; !reflect.DeepEqual(nums, want) {
		t.Fatalf("line numbers %v, want %v", nums, want)
	}
	_, err = Parse("a = 1\nb = 2\nc = \"x#\"\n")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Fatalf("error %v, want one on line 3", err)
	}
}

func TestSectionAndKeyValue(t *testing.T) {
	cases := []struct {
		in              string
		section         string
		isSection       bool
		key, value      string
		hasValue, valid bool
	}{
		{in: "[ups]", section: "ups", isSection: true, key: "[ups]", valid: true},
		{in: `"[a b]"`, section: "a b", isSection: true, key: "[a b]", valid: true},
		{in: "[]", section: "", isSection: true, key: "[]", valid: true},
		{in: "[", key: "[", valid: true},
		{in: "ignorelb", key: "ignorelb", valid: true},
		{in: "a = b", key: "a", value: "b", hasValue: true, valid: true},
		{in: "a=b", key: "a", value: "b", hasValue: true, valid: true},
		{in: `"a=b"`, key: "a", value: "b", hasValue: true, valid: true},
		{in: "a b", valid: false},
		{in: "a = b c", valid: false},
	}
	for _, c := range cases {
		lines, err := Parse(c.in)
		if err != nil || len(lines) != 1 {
			t.Fatalf("Parse(%q) = %v, %v", c.in, lines, err)
		}
		name, ok := lines[0].Section()
		if ok != c.isSection || name != c.section {
			t.Errorf("%q: Section() = %q, %v; want %q, %v", c.in, name, ok, c.section, c.isSection)
		}
		k, v, has, valid := lines[0].KeyValue()
		if valid != c.valid || (valid && (k != c.key || v != c.value || has != c.hasValue)) {
			t.Errorf("%q: KeyValue() = %q %q %v %v; want %q %q %v %v", c.in, k, v, has, valid, c.key, c.value, c.hasValue, c.valid)
		}
	}
}

// Every printable ASCII string written with word parses back to itself as
// one word (nutquote's tests hold Quote to the same).
func TestWordRoundTrip(t *testing.T) {
	var all strings.Builder
	for c := byte(' '); c < 0x7f; c++ {
		all.WriteByte(c)
	}
	for _, v := range []string{"", all.String(), `\`, `"`, "#", "=", "[x]", `\"#`, " lead", "trail\\"} {
		w := word(v)
		lines, err := Parse("k " + w + "\n")
		if err != nil {
			t.Fatalf("Parse(%q): %v", w, err)
		}
		if len(lines) != 1 || len(lines[0].Args) != 2 || lines[0].Args[1] != v {
			t.Fatalf("%q written as %q parses to %v", v, w, lines)
		}
	}
}

func FuzzParseFormatLine(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := Parse(in)
		if err != nil {
			return
		}
		for _, l := range lines {
			again, err := Parse(formatLine(l.Args) + "\n")
			if err != nil {
				t.Fatalf("formatLine(%q) does not parse: %v", l.Args, err)
			}
			if len(again) != 1 || !reflect.DeepEqual(again[0].Args, l.Args) {
				t.Fatalf("formatLine(%q) parses to %v", l.Args, again)
			}
		}
	})
}
