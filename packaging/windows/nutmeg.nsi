; Nutmeg's Windows installer: per user (no administrator), into
; %LOCALAPPDATA%\Programs\Nutmeg, with a Start menu entry and the tray started
; at login (HKCU Run, the value gui/autostart reads and writes).
; /ALLUSERS (run as administrator): into Program Files, Start menu and Run
; value for every user (HKLM), and the Windows service "Nutmeg" (`nutmeg
; service install`: LocalSystem, automatic start) that protects the PC with
; nobody logged in; its settings are in %ProgramData%\Nutmeg.
; The uninstaller (it finds the mode itself) stops and removes the service,
; ends the programs running from the installation directory (and no other
; nutmeg.exe), removes the program, the shortcut, the Run value and the
; state (%LOCALAPPDATA%\Nutmeg: event log, history); the settings
; (%APPDATA%\Nutmeg, and %ProgramData%\Nutmeg for all users) stay unless the
; user says to remove them, and then the passwords Nutmeg stored in the
; user's Credential Manager go too (`nutmeg forget-secrets`). Silent (/S)
; uninstalls keep them; /S /REMOVESETTINGS removes them.
;
; makensis -DVERSION=x.y.z -DBIN=DIR -DOUT=FILE nutmeg.nsi

Unicode true
; 64-bit installer: Nutmeg is amd64 only, and Wine without wine32 runs no 32-bit stub.
Target amd64-unicode
SetCompressor /SOLID lzma
!include "LogicLib.nsh"
!include "FileFunc.nsh"

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

Var AllUsers
Var RemoveSettings

Function .onInit
  StrCpy $AllUsers 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/ALLUSERS" $R1
  ${IfNot} ${Errors}
    UserInfo::GetAccountType
    Pop $R2
    ${If} $R2 != "Admin"
      MessageBox MB_ICONSTOP "Installing Nutmeg for all users needs an administrator: run the installer as administrator." /SD IDOK
      SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
      Quit
    ${EndIf}
    StrCpy $AllUsers 1
    ; /D=DIR still wins (compared before the context changes $LOCALAPPDATA)
    ${If} $INSTDIR == "$LOCALAPPDATA\Programs\Nutmeg"
      StrCpy $INSTDIR "$PROGRAMFILES64\Nutmeg"
    ${EndIf}
    SetShellVarContext all
  ${EndIf}
FunctionEnd

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "Nutmeg"
  ${If} $AllUsers == 1
    SetShellVarContext all ; SHCTX is HKLM, $SMPROGRAMS all users'
  ${Else}
    SetShellVarContext current
  ${EndIf}
  SetOutPath "$INSTDIR"
  File "${BIN}\nutmeg.exe"
  File "${BIN}\nutmeg-tray.exe"
  File "${BIN}\nutmeg.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\Nutmeg.lnk" "$INSTDIR\nutmeg.exe" "window" "$INSTDIR\nutmeg.ico" 0
  WriteRegStr SHCTX "${RUNKEY}" "Nutmeg" '"$INSTDIR\nutmeg.exe"'
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayName" "Nutmeg"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTKEY}" "Publisher" "Nutmeg authors"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\nutmeg.ico"
  WriteRegStr SHCTX "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr SHCTX "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoRepair" 1
  ${If} $AllUsers == 1
    ; Registers the service; it starts once settings exist (this
    ; administrator's, copied now, or later `nutmeg service install`).
    nsExec::ExecToLog '"$INSTDIR\nutmeg.exe" service install'
    Pop $0
    ${If} $0 != 0
      MessageBox MB_ICONEXCLAMATION "Registering the Nutmeg service failed ($0): this PC is protected only while someone is logged in." /SD IDOK
      SetErrorLevel 2
    ${EndIf}
  ${EndIf}
SectionEnd

Function un.onInit
  ; All users when the HKLM uninstall entry names this directory.
  StrCpy $AllUsers 0
  ReadRegStr $R0 HKLM "${UNINSTKEY}" "InstallLocation"
  ${If} $R0 == $INSTDIR
    StrCpy $AllUsers 1
  ${EndIf}
  StrCpy $RemoveSettings 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVESETTINGS" $R1
  ${IfNot} ${Errors}
    StrCpy $RemoveSettings 1
  ${EndIf}
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  ; Asked first, while nutmeg.exe is still here to forget the passwords.
  ${If} $RemoveSettings == 0
    ${If} ${FileExists} "$APPDATA\Nutmeg\*.*"
    ${OrIf} $AllUsers == 1
      MessageBox MB_YESNO|MB_ICONQUESTION "Also remove the Nutmeg settings and the passwords Nutmeg saved in your Credential Manager?$\r$\nKeep them to find your setup again after a reinstall." /SD IDNO IDNO keep
      StrCpy $RemoveSettings 1
      keep:
    ${EndIf}
  ${EndIf}
  ${If} $AllUsers == 1
    nsExec::ExecToLog '"$INSTDIR\nutmeg.exe" service uninstall'
    Pop $0
  ${EndIf}
  ${If} $RemoveSettings == 1
    nsExec::ExecToLog '"$INSTDIR\nutmeg.exe" forget-secrets'
    Pop $0
  ${EndIf}
  ; The tray and the service run from $INSTDIR: end them (only them, not a
  ; nutmeg.exe run from elsewhere) so their files go.
  nsExec::ExecToLog '"$INSTDIR\nutmeg.exe" end-installed --dir "$INSTDIR"'
  Pop $0
  Delete "$INSTDIR\nutmeg.exe"
  Delete "$INSTDIR\nutmeg-tray.exe"
  Delete "$INSTDIR\nutmeg.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  RMDir /r "$LOCALAPPDATA\Nutmeg"
  ${If} $RemoveSettings == 1
    RMDir /r "$APPDATA\Nutmeg"
  ${EndIf}
  ${If} $AllUsers == 1
    SetShellVarContext all
  ${EndIf}
  Delete "$SMPROGRAMS\Nutmeg.lnk"
  DeleteRegValue SHCTX "${RUNKEY}" "Nutmeg"
  DeleteRegKey SHCTX "${UNINSTKEY}"
  ${If} $AllUsers == 1
  ${AndIf} $RemoveSettings == 1
    RMDir /r "$APPDATA\Nutmeg" ; %ProgramData%\Nutmeg: the service's settings, passwords and state
  ${EndIf}
SectionEnd
