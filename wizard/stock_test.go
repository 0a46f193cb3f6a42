package wizard

import (
	"strings"
	"testing"

	"github.com/nutmeg-ups/nutmeg/wizard/flow"
)

// Debian's stock /etc/nut (nut-server installed, MODE=none, no MONITOR
// line; the real files in nut/conf/testdata) is NUT installed but not set
// up: the Find page neither offers it for import nor lists it as a problem.
func TestFindPageIgnoresDebianStockNUT(t *testing.T) {
	db := driverDB(t)
	e := newEnv(t)
	d := e.deps(t, db, &filesApplier{dir: e.confDir})
	d.ImportDir = "../nut/conf/testdata/debian-stock"
	w := open(t, d, light())
	for _, o := range w.flow.Options() {
		if o.Source == flow.SourceImport {
			t.Errorf("stock files offered for import: %q", o.Title)
		}
	}
	if w.flow.Found.ImportError != "" {
		t.Errorf("stock files reported: %s", w.flow.Found.ImportError)
	}
	if w.find.problems.Visible() && strings.Contains(w.find.problems.Text, "/etc/nut") ||
		strings.Contains(w.find.problems.Text, "debian-stock") {
		t.Errorf("Find page shows a problem: %s", w.find.problems.Text)
	}
}
