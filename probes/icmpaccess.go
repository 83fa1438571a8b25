package probes

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"golang.org/x/net/icmp"
)

// listenICMP opens an ICMP socket: network "udp4" is the kernel's
// unprivileged ping socket, "ip4:icmp" a raw one. A variable of this type
// is the seam through which tests make the kernel refuse.
type listenFunc func(network, address string) (net.PacketConn, error)

func listenICMP(network, address string) (net.PacketConn, error) {
	return icmp.ListenPacket(network, address)
}

// pingGroupRange is the sysctl that lets groups open unprivileged ICMP
// sockets.
const pingGroupRange = "/proc/sys/net/ipv4/ping_group_range"

// icmpAccess finds which ICMP socket this process may open: the
// unprivileged ping socket where net.ipv4.ping_group_range includes its
// group, else a raw socket, which needs CAP_NET_RAW. When neither opens,
// the error says what to change.
func icmpAccess(listen listenFunc) (privileged bool, err error) {
	c, udpErr := listen("udp4", "0.0.0.0")
	if udpErr == nil {
		c.Close()
		return false, nil
	}
	c, rawErr := listen("ip4:icmp", "0.0.0.0")
	if rawErr == nil {
		c.Close()
		return true, nil
	}
	if !denied(udpErr) || !denied(rawErr) {
		return false, fmt.Errorf("cannot open an ICMP socket: %w", errors.Join(udpErr, rawErr))
	}
	return false, errICMPDenied()
}

// denied reports whether err is the kernel refusing a socket for lack of
// permission.
func denied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// errICMPDenied names both ways to allow ping, with this process's group
// and the range the kernel has now.
func errICMPDenied() error {
	now := "unknown"
	if b, err := os.ReadFile(pingGroupRange); err == nil {
		now = strings.Join(strings.Fields(string(b)), " ")
	}
	bin, err := os.Executable()
	if err != nil {
		bin = "/path/to/ampel"
	}
	return fmt.Errorf("ICMP sockets are not permitted for this process (gid %d; net.ipv4.ping_group_range is %q): "+
		"allow unprivileged ping with `sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"` (keep it in /etc/sysctl.d/), "+
		"or give Ampel CAP_NET_RAW with `setcap cap_net_raw+ep %s` (systemd: AmbientCapabilities=CAP_NET_RAW)",
		os.Getgid(), now, bin)
}

// Permitted reports whether this process may run checks of kind, with an
// error that says what to change when it may not. Only "icmp" needs a
// permission (an ICMP socket); check-config reports it, serve and agents
// log it.
func Permitted(kind string) error {
	if kind != "icmp" {
		return nil
	}
	_, err := icmpAccess(listenICMP)
	return err
}
