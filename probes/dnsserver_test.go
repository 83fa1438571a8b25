package probes

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsZone is what the test DNS server knows: answers by lower-case FQDN
// and type. A name absent from every type is NXDOMAIN; a name present with
// another type gets an empty answer (NODATA).
type dnsZone struct {
	a     map[string][]string
	aaaa  map[string][]string
	cname map[string]string
	mx    map[string][]*net.MX
	txt   map[string][]string
	ns    map[string][]string
	// silent names are never answered, to provoke a timeout.
	silent map[string]bool
	// servfail names get SERVFAIL.
	servfail map[string]bool
}

// startDNS serves zone over UDP on loopback and returns its address.
func startDNS(t *testing.T, zone dnsZone) string {
	t.Helper()
	return startMutableDNS(t, func() dnsZone { return zone })
}

// answer builds the response to one query, or nil to stay silent.
func (z dnsZone) answer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(q.Name.String())
	if z.silent[name] {
		return nil
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	switch {
	case z.servfail[name]:
		rh.RCode = dnsmessage.RCodeServerFailure
	case !z.known(name):
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	z.records(&b, q, name)
	msg, err := b.Finish()
	if err != nil {
		return nil
	}
	return msg
}

func (z dnsZone) known(name string) bool {
	_, a := z.a[name]
	_, aaaa := z.aaaa[name]
	_, cname := z.cname[name]
	_, mx := z.mx[name]
	_, txt := z.txt[name]
	_, ns := z.ns[name]
	return a || aaaa || cname || mx || txt || ns
}

// records adds the answers for q. An alias answers every type with its
// CNAME, as a server does for a name that is an alias.
func (z dnsZone) records(b *dnsmessage.Builder, q dnsmessage.Question, name string) {
	rh := dnsmessage.ResourceHeader{Name: q.Name, Type: q.Type, Class: dnsmessage.ClassINET, TTL: 60}
	if target, ok := z.cname[name]; ok {
		rh.Type = dnsmessage.TypeCNAME
		_ = b.CNAMEResource(rh, dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)})
		return
	}
	switch q.Type {
	case dnsmessage.TypeA:
		for _, s := range z.a[name] {
			_ = b.AResource(rh, dnsmessage.AResource{A: netip.MustParseAddr(s).As4()})
		}
	case dnsmessage.TypeAAAA:
		for _, s := range z.aaaa[name] {
			_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: netip.MustParseAddr(s).As16()})
		}
	case dnsmessage.TypeMX:
		for _, mx := range z.mx[name] {
			_ = b.MXResource(rh, dnsmessage.MXResource{Pref: mx.Pref, MX: dnsmessage.MustNewName(mx.Host)})
		}
	case dnsmessage.TypeTXT:
		for _, s := range z.txt[name] {
			_ = b.TXTResource(rh, dnsmessage.TXTResource{TXT: []string{s}})
		}
	case dnsmessage.TypeNS:
		for _, s := range z.ns[name] {
			_ = b.NSResource(rh, dnsmessage.NSResource{NS: dnsmessage.MustNewName(s)})
		}
	}
}
