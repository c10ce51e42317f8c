package knowledge

import (
	"fmt"
	"io/fs"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Lead is a failure that a reply line can name more precisely than its code (data/leads.toml).
type Lead struct {
	Concept     string   `toml:"concept"`
	Topics      []string `toml:"topics"`
	Signals     []string `toml:"signals"`
	Step        Step     `toml:"step"`
	PrivatePASV bool     `toml:"private_pasv"`
}

func loadLeads(fsys fs.FS) ([]Lead, error) {
	if _, err := fs.Stat(fsys, "data/leads.toml"); err != nil {
		return nil, nil
	}
	var f struct {
		Lead []Lead `toml:"lead"`
	}
	if err := decodeFile(fsys, "data/leads.toml", &f); err != nil {
		return nil, err
	}
	for _, l := range f.Lead {
		if l.Concept == "" || len(l.Topics) == 0 || len(l.Signals) == 0 && !l.PrivatePASV {
			return nil, fmt.Errorf("leads.toml: lead %q needs a concept, topics and signals", l.Concept)
		}
		if l.Step != "" && !l.Step.Valid() {
			return nil, fmt.Errorf("leads.toml: lead %q: unknown step %q", l.Concept, l.Step)
		}
	}
	return f.Lead, nil
}

// LeadMatch is a failure a line names: the topic that explains it and what in the line said so.
type LeadMatch struct {
	Topic   *Topic
	Signal  string     // the signal's text as listed ("oops:", "tls"), or "" for an address
	Address netip.Addr // the unreachable address a PASV reply named, when that was the signal
}

// LeadTopic returns the topic that explains a pasted line better than its code does: the line
// carries a signal of a concept in data/leads.toml (a TLS error, vsftpd's "500 OOPS", a PASV
// reply naming a private address) and code's own step is not that concept's. The topic is the
// concept's one the line's words rank best. ok is false when nothing leads over the code.
func (b *Base) LeadTopic(line string, code Code) (LeadMatch, bool) {
	line = Bounded(line, MaxSearchBytes)
	lower := strings.ToLower(line)
	entry := b.codes[code]
	for _, l := range b.leads {
		if entry != nil && l.Step != "" && entry.Step == l.Step {
			continue
		}
		var m LeadMatch
		for _, s := range l.Signals {
			if containsWord(lower, s) {
				m.Signal = s
				break
			}
		}
		if m.Signal == "" && l.PrivatePASV {
			if a, ok := PASVAddress(line); ok && !Routable(a) {
				m.Address = a
			}
		}
		if m.Signal == "" && !m.Address.IsValid() {
			continue
		}
		if m.Topic = b.bestTopic(line, l.Topics); m.Topic != nil {
			return m, true
		}
	}
	return LeadMatch{}, false
}

// bestTopic returns the topic among patterns (slugs, or prefixes ending in *) that the search
// ranks best for text, else the first that exists.
func (b *Base) bestTopic(text string, patterns []string) *Topic {
	fits := func(slug string) bool {
		for _, p := range patterns {
			if p == slug || strings.HasSuffix(p, "*") && strings.HasPrefix(slug, strings.TrimSuffix(p, "*")) {
				return true
			}
		}
		return false
	}
	for _, m := range b.Search(text, 0) {
		if m.Kind == KindTopic && fits(m.ID) {
			return b.topics[m.ID]
		}
	}
	for _, p := range patterns {
		if t, ok := b.topics[p]; ok {
			return t
		}
	}
	return nil
}

var pasvRE = regexp.MustCompile(`\(?\s*(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})`)

// PASVAddress returns the IPv4 address of the first PASV tuple (h1,h2,h3,h4,p1,p2) in text.
func PASVAddress(text string) (netip.Addr, bool) {
	m := pasvRE.FindStringSubmatch(text)
	if m == nil {
		return netip.Addr{}, false
	}
	var a [4]byte
	for i := range a {
		n, err := strconv.Atoi(m[i+1])
		if err != nil || n > 255 {
			return netip.Addr{}, false
		}
		a[i] = byte(n)
	}
	return netip.AddrFrom4(a), true
}

// cgnat is the shared address space carriers use behind their NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Routable reports whether a client elsewhere on the internet could reach address a: not a
// private (RFC 1918), loopback, link-local, shared (RFC 6598) or unspecified address.
func Routable(a netip.Addr) bool {
	return !(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || cgnat.Contains(a))
}

// optionalLeadTopic are the topics a lead may name before the knowledge has them (they are
// being written): a lead whose topics are all missing is skipped.
var optionalLeadTopic = map[string]bool{"timeouts-keepalive": true, "filename-encoding": true}
