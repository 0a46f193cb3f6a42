package usb

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/nutmeg-ups/nutmeg/packaging"
)

// Account is the user that NUT's drivers run as, with its groups.
type Account struct {
	Name string
	UID  int
	GIDs []int // primary group first
}

// LookupAccount reads a user and its groups from passwd- and group-format
// files (normally /etc/passwd and /etc/group), without calling NSS, so the
// check is the same in tests and on the machine.
func LookupAccount(name, passwdPath, groupPath string) (Account, error) {
	pw, err := os.ReadFile(passwdPath)
	if err != nil {
		return Account{}, fmt.Errorf("read %s: %w", passwdPath, err)
	}
	acc := Account{Name: name, UID: -1}
	for _, line := range strings.Split(string(pw), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 4 && f[0] == name {
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 != nil || err2 != nil {
				return Account{}, fmt.Errorf("%s: bad ids for %s", passwdPath, name)
			}
			acc.UID, acc.GIDs = uid, []int{gid}
			break
		}
	}
	if acc.UID < 0 {
		return Account{}, fmt.Errorf("user %q: %w", name, fs.ErrNotExist)
	}
	gf, err := os.Open(groupPath)
	if err != nil {
		return Account{}, fmt.Errorf("read %s: %w", groupPath, err)
	}
	defer gf.Close()
	sc := bufio.NewScanner(gf)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 4 {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if strings.TrimSpace(m) == name {
				if gid, err := strconv.Atoi(f[2]); err == nil && gid != acc.GIDs[0] {
					acc.GIDs = append(acc.GIDs, gid)
				}
			}
		}
	}
	return acc, sc.Err()
}

// Access is the verdict on one device node for the driver user.
type Access struct {
	Node  string `json:"node"`
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Mode  string `json:"mode"` // octal permission bits, "0664"
	User  string `json:"user"` // the account checked
	OK    bool   `json:"ok"`   // the user may open it read-write
	Why   string `json:"why"`
	Fix   string `json:"fix,omitempty"`
	Rule  string `json:"udev_rule,omitempty"` // the rule line that fixes it
	Error string `json:"error,omitempty"`     // the node could not be inspected
}

// UdevRuleFile is the rule file that Nutmeg's package installs; it gives
// the nut group read-write access to the UPS IDs that NUT's own rules miss.
const UdevRuleFile = "/lib/udev/rules.d/" + packaging.UdevRuleName

// CheckAccess decides from the node's owner, group and mode whether acc can
// open it read-write, as libusb needs. It does not open the device, so it
// works the same as root (where everything opens) and in tests.
func CheckAccess(node string, acc Account, vendor, product uint16) Access {
	a := Access{Node: node, User: acc.Name}
	fi, err := os.Stat(node)
	if err != nil {
		a.Error = err.Error()
		a.Why = "cannot inspect the device node"
		if errors.Is(err, fs.ErrNotExist) {
			a.Why = "the device node does not exist (unplugged, or no usbfs here)"
		}
		return a
	}
	uid, gid, ok := nodeOwner(fi)
	if !ok {
		a.Error = "no owner information"
		return a
	}
	perm := fi.Mode().Perm()
	a.UID, a.GID, a.Mode = uid, gid, fmt.Sprintf("%04o", uint32(perm))
	inGroup := false
	for _, g := range acc.GIDs {
		if g == a.GID {
			inGroup = true
		}
	}
	switch {
	case acc.UID == 0:
		a.OK, a.Why = true, "root may open every device"
	case acc.UID == a.UID:
		a.OK = perm&0o600 == 0o600
		a.Why = fmt.Sprintf("%s owns %s, mode %s", acc.Name, node, a.Mode)
	case inGroup:
		a.OK = perm&0o060 == 0o060
		a.Why = fmt.Sprintf("%s is in the group (gid %d) of %s, mode %s", acc.Name, a.GID, node, a.Mode)
	default:
		a.OK = perm&0o006 == 0o006
		a.Why = fmt.Sprintf("%s is neither owner (uid %d) nor in the group (gid %d) of %s, mode %s", acc.Name, a.UID, a.GID, node, a.Mode)
	}
	if !a.OK {
		a.Why += fmt.Sprintf(": the NUT driver, running as %s, cannot open it", acc.Name)
		a.Rule = fmt.Sprintf(`SUBSYSTEM=="usb", ATTR{idVendor}=="%04x", ATTR{idProduct}=="%04x", MODE="0664", GROUP="%s"`, vendor, product, acc.Name)
		a.Fix = fmt.Sprintf("install Nutmeg's udev rule (%s, from its package, or add the line below to a rules file), then run `udevadm control --reload && udevadm trigger` and replug the UPS", UdevRuleFile)
	}
	return a
}
