package nutquote

import (
	"fmt"
	"strings"
)

// NUT 2.8.0's parseconf limits (include/parseconf.h): longer words are cut
// and further words dropped, silently. Parse refuses both instead.
const (
	maxWordLen = 512
	maxArgs    = 32
)

// Line is one logical line of a NUT config file: its words after NUT's
// unquoting and unescaping. Comments and empty lines produce no Line.
type Line struct {
	Num  int      // physical line (1-based) where the logical line starts
	Args []string // never empty
}

// Section returns the name of a "[name]" section header. NUT's rule: the
// first word (after unquoting) starts with '[' and ends with ']', so a quoted
// "[x]" is a header too.
func (l Line) Section() (string, bool) {
	a := l.Args[0]
	if len(a) >= 2 && a[0] == '[' && a[len(a)-1] == ']' {
		return a[1 : len(a)-1], true
	}
	return "", false
}

// KeyValue splits the forms that ups.conf and upsd.users accept for a
// setting: "key = value" (three words), "key=value" (parsed by NUT's
// tokenizer into the same three words), a compressed first word holding '='
// (only possible with escapes or quotes), and a lone "flag" (value "",
// hasValue false). ok is false for any other shape, which NUT ignores.
func (l Line) KeyValue() (key, value string, hasValue, ok bool) {
	a := l.Args
	if i := strings.IndexByte(a[0], '='); i >= 0 {
		return a[0][:i], a[0][i+1:], true, len(a) == 1
	}
	switch {
	case len(a) == 1:
		return a[0], "", false, true
	case len(a) == 3 && a[1] == "=":
		return a[0], a[2], true, true
	}
	return "", "", false, false
}

// ParseError is a line that NUT would misread: it would log a parse error,
// drop characters or words silently, or run on into the next line.
type ParseError struct {
	Line int // physical line, 1-based
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// The states of NUT's common/parseconf.c state machine.
type pstate int

const (
	findWordStart pstate = iota
	findEOL
	quoteCollect
	qcLiteral
	collect
	collectLiteral
)

// Parse splits text into logical lines the way NUT 2.8.0's parseconf does:
//
//   - words are separated by whitespace; "double quotes" make one word of
//     everything up to the closing quote; a backslash takes the next
//     character literally, inside quotes and out;
//   - '#' outside quotes starts a comment (also in the middle of a word);
//     an unescaped '#' inside quotes is an error in NUT 2.8.0 ("Unbalanced
//     word due to unescaped # in quotes"), after which NUT reads the rest of
//     the physical line as a new line;
//   - '=' ends a word and is a word of its own, so "a=b" is three words;
//   - a backslash before a newline joins the next physical line.
//
// Where NUT is silently lossy, Parse returns an error instead: a character
// outside printable ASCII in a word (NUT drops it), a newline inside quotes
// (NUT drops it and runs on into the next line), words over 512 bytes or
// lines over 32 words (NUT cuts them), and an unterminated quote or a
// backslash at the end of the text. At the end of the text a pending line
// ends as if a newline followed (NUT drops a last one-word line without a
// newline; Nutmeg always writes the newline).
func Parse(text string) ([]Line, error) {
	var (
		lines []Line
		args  []string
		word  []byte
		st    = findWordStart
		phys  = 1 // current physical line
		start = 1 // where the current logical line began
	)
	errf := func(format string, a ...any) error {
		return &ParseError{Line: phys, Msg: fmt.Sprintf(format, a...)}
	}
	addChar := func(c byte) error {
		if c < 0x20 || c > 0x7e {
			return errf("character 0x%02x is not printable ASCII (NUT 2.8 drops it)", c)
		}
		if len(word) >= maxWordLen {
			return errf("word longer than %d characters (NUT cuts it)", maxWordLen)
		}
		word = append(word, c)
		return nil
	}
	endWord := func() error {
		if len(args) >= maxArgs {
			return errf("more than %d words on one line (NUT drops the rest)", maxArgs)
		}
		args = append(args, string(word))
		word = word[:0]
		return nil
	}
	endLine := func() {
		if len(args) > 0 {
			lines = append(lines, Line{Num: start, Args: args})
		}
		args = nil
		st = findWordStart
	}
	// wordStart is findwordstart(): also called from collect on '='.
	wordStart := func(c byte) (pstate, error) {
		switch {
		case c == '\n':
			endLine()
			return findWordStart, nil
		case c == '#':
			return findEOL, nil
		case isSpace(c):
			return findWordStart, nil
		case c == '\\':
			return collectLiteral, nil
		case c == '"':
			return quoteCollect, nil
		}
		if err := addChar(c); err != nil {
			return st, err
		}
		if c == '=' {
			return findWordStart, endWord()
		}
		return collect, nil
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if st == findWordStart && len(args) == 0 && len(word) == 0 {
			start = phys
		}
		var err error
		switch st {
		case findWordStart:
			st, err = wordStart(c)
		case findEOL:
			if c == '\n' {
				endLine()
			}
		case quoteCollect:
			switch c {
			case '#':
				err = errf("unescaped # inside quotes (NUT 2.8.0 refuses the line)")
			case '"':
				err = endWord()
				st = findWordStart
			case '\\':
				st = qcLiteral
			case '\n':
				err = errf("newline inside quotes (NUT drops it and reads on into the next line)")
			default:
				err = addChar(c)
			}
		case qcLiteral:
			if c != '\n' {
				err = addChar(c)
			}
			st = quoteCollect
		case collect:
			switch {
			case c == '#':
				err = endWord()
				st = findEOL
			case c == '\n':
				if err = endWord(); err == nil {
					endLine()
				}
			case isSpace(c):
				err = endWord()
				st = findWordStart
			case c == '=':
				if err = endWord(); err == nil {
					_, err = wordStart(c)
					st = findWordStart
				}
			case c == '\\':
				st = collectLiteral
			default:
				err = addChar(c)
			}
		case collectLiteral:
			if c != '\n' {
				err = addChar(c)
			}
			st = collect
		}
		if err != nil {
			return nil, err
		}
		if c == '\n' {
			phys++
		}
	}
	switch st {
	case quoteCollect, qcLiteral:
		return nil, errf("quote not closed at the end of the text")
	case collectLiteral:
		return nil, errf("backslash at the end of the text")
	case collect:
		if err := endWord(); err != nil {
			return nil, err
		}
	}
	endLine()
	return lines, nil
}

// isSpace is C's isspace() in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
