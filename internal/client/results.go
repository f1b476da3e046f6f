package client

import (
	"sort"
	"strings"
)

// FixedIP is an address of a NIC or port.
type FixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

// IPAddresses returns the addresses of fixed IPs, sorted and joined with
// commas ("192.168.0.5,192.168.0.7"): the form in which the suite and
// explore compare a NIC's or a port's IPs, whatever order the target lists
// them in.
func IPAddresses(fixed []FixedIP) string {
	out := make([]string, 0, len(fixed))
	for _, f := range fixed {
		out = append(out, f.IPAddress)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Interface is a NIC attached to a server (Nova's interfaceAttachment).
type Interface struct {
	PortID    string    `json:"port_id"`
	NetID     string    `json:"net_id"`
	MACAddr   string    `json:"mac_addr"`
	PortState string    `json:"port_state"`
	FixedIPs  []FixedIP `json:"fixed_ips"`
}

// Port is a network port (Neutron / VPC).
type Port struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	NetworkID   string    `json:"network_id"`
	MACAddress  string    `json:"mac_address"`
	DeviceID    string    `json:"device_id"`
	DeviceOwner string    `json:"device_owner"`
	Status      string    `json:"status"`
	TenantID    string    `json:"tenant_id"`
	FixedIPs    []FixedIP `json:"fixed_ips"`
}

// Server is the part of a server the suite reads.
type Server struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	TenantID string `json:"tenant_id"`
	// Locked is shown from microversion 2.9 (false below).
	Locked bool `json:"locked"`
	// LockedReason is shown from microversion 2.73: the reason given at
	// lock, nil when none was (or below 2.73).
	LockedReason *string `json:"locked_reason"`
}

// ListPortsOpts filters ListPorts; empty fields are not sent.
type ListPortsOpts struct {
	Name      string
	DeviceID  string
	NetworkID string
}
