package flow

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/nutmeg-ups/nutmeg/nut"
	"github.com/nutmeg-ups/nutmeg/nut/conf"
)

// FileView is one NUT file as the Review page shows it: passwords masked,
// with the change against the file that is there now.
type FileView struct {
	Name   string
	Text   string // the new content, masked ("" when the file goes away)
	Change string // "new", "changed", "unchanged", "removed"
	Diff   []DiffLine
}

// DiffLine is one line of a diff: Op is ' ', '+' or '-'.
type DiffLine struct {
	Op   byte
	Text string
}

// Mask is what a password looks like on screen.
const Mask = "********"

// Render makes the NUT files for settings as the applier will write them.
type Render func(nut.Settings) (conf.Files, error)

// Files renders the NUT files of the current settings (a kept secret stands
// in masked) with render (nil: conf.Render with default options) and
// compares them with the managed files in dir ("" or a missing dir:
// everything is new).
func (f *Flow) Files(render Render, dir string) ([]FileView, error) {
	if render == nil {
		render = func(s nut.Settings) (conf.Files, error) { return conf.Render(s, conf.Options{}) }
	}
	s := f.effective()
	files, err := render(s)
	if err != nil {
		return nil, err
	}
	var out []FileView
	seen := map[string]bool{}
	for _, file := range files {
		seen[file.Name] = true
		v := FileView{Name: file.Name, Text: MaskSecrets(file.Content)}
		old, ok := readManaged(dir, file.Name)
		switch {
		case !ok:
			v.Change = "new"
		default:
			v.Diff = Diff(MaskSecrets(old), v.Text)
			v.Change = "unchanged"
			for _, d := range v.Diff {
				if d.Op != ' ' {
					v.Change = "changed"
					break
				}
			}
		}
		out = append(out, v)
	}
	for _, name := range conf.ManagedNames {
		if seen[name] {
			continue
		}
		if old, ok := readManaged(dir, name); ok {
			out = append(out, FileView{Name: name, Change: "removed", Diff: Diff(MaskSecrets(old), "")})
		}
	}
	return out, nil
}

func readManaged(dir, name string) (string, bool) {
	if dir == "" {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", false
	}
	return string(b), true
}

// MaskSecrets replaces the passwords in NUT file text: the value of every
// "password" setting (upsd.users) and the password word of MONITOR lines
// (upsmon.conf). Everything else stays as written.
func MaskSecrets(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		words := rawWords(line)
		if len(words) == 0 {
			continue
		}
		first := strings.ToLower(strings.Trim(line[words[0][0]:words[0][1]], `"`))
		switch {
		case first == "password" || strings.HasPrefix(first, "password="):
			lines[i] = line[:words[0][0]] + "password = " + Mask
		case first == "monitor" && len(words) >= 5:
			pw := words[4]
			lines[i] = line[:pw[0]] + Mask + line[pw[1]:]
		}
	}
	return strings.Join(lines, "\n")
}

// rawWords finds the words of one line as NUT's tokenizer splits them
// (whitespace, quotes, backslash escapes, '#' comments), as byte ranges.
func rawWords(line string) [][2]int {
	var out [][2]int
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i >= len(line) || line[i] == '#' {
			break
		}
		start := i
		inQuote := false
		for i < len(line) {
			c := line[i]
			if c == '\\' && i+1 < len(line) {
				i += 2
				continue
			}
			if c == '"' {
				inQuote = !inQuote
				i++
				continue
			}
			if !inQuote && (c == ' ' || c == '\t' || c == '#') {
				break
			}
			i++
		}
		out = append(out, [2]int{start, i})
	}
	return out
}

// Diff is a line diff of a and b (longest common subsequence), for files of
// a few dozen lines.
func Diff(a, b string) []DiffLine {
	x, y := splitLines(a), splitLines(b)
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{' ', x[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{'-', x[i]})
			i++
		default:
			out = append(out, DiffLine{'+', y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{'-', x[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{'+', y[j]})
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// DiffText writes a diff the way `diff -u` marks lines (no hunks: the files
// are short).
func DiffText(d []DiffLine) string {
	var b strings.Builder
	for _, l := range d {
		b.WriteByte(l.Op)
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
