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
const Mask = conf.SecretMask

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
		v := FileView{Name: file.Name, Text: conf.MaskSecrets(file.Content)}
		old, ok := readManaged(dir, file.Name)
		switch {
		case !ok:
			v.Change = "new"
		default:
			v.Diff = Diff(conf.MaskSecrets(old), v.Text)
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
			out = append(out, FileView{Name: name, Change: "removed", Diff: Diff(conf.MaskSecrets(old), "")})
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
