//go:build !windows

package main

import "flag"

// The all-users Windows service (cmd_service_windows.go); elsewhere the
// platform's own units do that job (`nutmeg apply --system`).
func runServiceInstall(_ *flag.FlagSet, what string, _ []string, _ *env) error {
	return badInputf("`nutmeg service %s` registers the Windows service; on this system use `nutmeg apply --system`", what)
}

func runUnderSCM(*env) error {
	return badInputf("--scm: only a Windows service runs under the Service Control Manager")
}

func runAllUsers(*env) error {
	return badInputf("--all-users: the all-users service is Windows'; here use `nutmeg apply --system`")
}
