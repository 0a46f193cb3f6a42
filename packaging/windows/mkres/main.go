// Command mkres writes the Windows resources of nutmeg.exe and
// nutmeg-tray.exe: nutmeg.ico (the app icon drawn by gui/icon at the sizes
// Windows asks for, each a PNG inside the ICO, which Windows Vista and
// later read) and a resource script (.rc) with the icon, the version
// information and a manifest, for x86_64-w64-mingw32-windres.
//
// usage: mkres -out DIR -version 0.1.0 -build 1
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/nutmeg-ups/nutmeg/gui/icon"
)

var sizes = []int{16, 20, 24, 32, 40, 48, 64, 256}

// ICO builds an icon file with one PNG image per size.
func ICO() []byte {
	var imgs [][]byte
	for _, s := range sizes {
		imgs = append(imgs, icon.PNG(icon.App(s)))
	}
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint16(0))
	le(uint16(1)) // icon
	le(uint16(len(imgs)))
	off := 6 + 16*len(imgs)
	for i, s := range sizes {
		dim := uint8(s)
		if s >= 256 {
			dim = 0 // 0 means 256
		}
		b.WriteByte(dim)
		b.WriteByte(dim)
		b.WriteByte(0) // no palette
		b.WriteByte(0)
		le(uint16(1))  // planes
		le(uint16(32)) // bits per pixel
		le(uint32(len(imgs[i])))
		le(uint32(off))
		off += len(imgs[i])
	}
	for _, img := range imgs {
		b.Write(img)
	}
	return b.Bytes()
}

// RC is the resource script for one binary.
func RC(name, desc, version string, build int) string {
	nums := strings.Split(version, ".")
	for len(nums) < 3 {
		nums = append(nums, "0")
	}
	comma := strings.Join(nums[:3], ",") + fmt.Sprintf(",%d", build)
	return fmt.Sprintf(`#include <winver.h>
1 ICON "nutmeg.ico"
1 24 "nutmeg.manifest"
1 VERSIONINFO
FILEVERSION %[1]s
PRODUCTVERSION %[1]s
FILEOS VOS_NT_WINDOWS32
FILETYPE VFT_APP
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "Nutmeg"
      VALUE "FileDescription", "%[2]s"
      VALUE "FileVersion", "%[3]s"
      VALUE "InternalName", "%[4]s"
      VALUE "OriginalFilename", "%[4]s.exe"
      VALUE "ProductName", "Nutmeg"
      VALUE "ProductVersion", "%[3]s"
      VALUE "LegalCopyright", "Nutmeg authors"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
`, comma, desc, version, name)
}

// manifest: run as the invoking user (never the installer-name heuristic's
// elevation), per-monitor DPI aware, Windows 10/11.
const manifest = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="io.github.nutmeg_ups.nutmeg" version="1.0.0.0"/>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security><requestedPrivileges><requestedExecutionLevel level="asInvoker" uiAccess="false"/></requestedPrivileges></security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application><supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/></application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
      <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">PerMonitorV2</dpiAwareness>
    </windowsSettings>
  </application>
</assembly>
`

func main() {
	out := flag.String("out", ".", "output `DIR`")
	version := flag.String("version", "0.0.0", "x.y.z")
	build := flag.Int("build", 0, "build number")
	flag.Parse()
	files := map[string]string{
		"nutmeg.ico":      string(ICO()),
		"nutmeg.manifest": manifest,
		"nutmeg.rc":       RC("nutmeg", "Nutmeg: UPS protection", *version, *build),
		"nutmeg-tray.rc":  RC("nutmeg-tray", "Nutmeg tray", *version, *build),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(data), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
