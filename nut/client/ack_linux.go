package client

import "syscall"

// quickAck sends the pending ACK now: on Linux, setting TCP_QUICKACK while an
// ACK is scheduled flushes it (and the flag wears off by itself, hence once
// per read).
func quickAck(fd uintptr) {
	_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
}
