package testneed

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const childEnv = "NUTMEG_TESTNEED_CHILD"

// TestChild is the child of TestMissingTool: it asks for a program that
// does not exist.
func TestChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("run by TestMissingTool")
	}
	Tool(t, "no-such-program-nutmeg")
	t.Log("went on after a missing tool")
}

// A missing program skips the test, and fails it under CI=true.
func TestMissingTool(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "--- SKIP: TestChild"}, {"true", "--- FAIL: TestChild"}} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestChild$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1", "CI="+tc.ci)
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), tc.want) || strings.Contains(string(out), "went on") {
			t.Errorf("CI=%q: want %q and no going on:\n%s", tc.ci, tc.want, out)
		}
	}
}

func TestToolFindsAProgram(t *testing.T) {
	if p := Tool(t, "sh"); !strings.HasSuffix(p, "/sh") {
		t.Errorf("Tool(sh) = %q", p)
	}
}
