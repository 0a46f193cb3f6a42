; Nutmeg's Windows installer: per user (no administrator), into
; %LOCALAPPDATA%\Programs\Nutmeg, with a Start menu entry and the tray started
; at login (HKCU Run, the value gui/autostart reads and writes).
; The uninstaller removes the program, the shortcut, the Run value and the
; state (%LOCALAPPDATA%\Nutmeg: event log, history); the settings
; (%APPDATA%\Nutmeg) stay unless the user says to remove them too. Silent
; (/S) uninstalls keep them.
;
; makensis -DVERSION=x.y.z -DBIN=DIR -DOUT=FILE nutmeg.nsi

Unicode true
; 64-bit installer: Nutmeg is amd64 only, and Wine without wine32 runs no 32-bit stub.
Target amd64-unicode
SetCompressor /SOLID lzma
!include "LogicLib.nsh"

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Nutmeg"
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"

Name "Nutmeg"
OutFile "${OUT}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\Nutmeg"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
Icon "${BIN}\nutmeg.ico"
UninstallIcon "${BIN}\nutmeg.ico"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "Nutmeg"
VIAddVersionKey "FileDescription" "Nutmeg installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "Nutmeg authors"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "Nutmeg"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File "${BIN}\nutmeg.exe"
  File "${BIN}\nutmeg-tray.exe"
  File "${BIN}\nutmeg.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\Nutmeg.lnk" "$INSTDIR\nutmeg.exe" "window" "$INSTDIR\nutmeg.ico" 0
  WriteRegStr HKCU "${RUNKEY}" "Nutmeg" '"$INSTDIR\nutmeg.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "Nutmeg"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "Nutmeg authors"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\nutmeg.ico"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  ; The tray and the service run from $INSTDIR: end them so their files go.
  nsExec::Exec 'taskkill /F /IM nutmeg-tray.exe'
  nsExec::Exec 'taskkill /F /IM nutmeg.exe'
  Sleep 500
  Delete "$INSTDIR\nutmeg.exe"
  Delete "$INSTDIR\nutmeg-tray.exe"
  Delete "$INSTDIR\nutmeg.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\Nutmeg.lnk"
  DeleteRegValue HKCU "${RUNKEY}" "Nutmeg"
  DeleteRegKey HKCU "${UNINSTKEY}"
  RMDir /r "$LOCALAPPDATA\Nutmeg"
  ${If} ${FileExists} "$APPDATA\Nutmeg\*.*"
    MessageBox MB_YESNO|MB_ICONQUESTION "Also remove your Nutmeg settings ($APPDATA\Nutmeg)?$\r$\nKeep them to find your setup again after a reinstall." /SD IDNO IDNO keep
    RMDir /r "$APPDATA\Nutmeg"
    keep:
  ${EndIf}
SectionEnd
