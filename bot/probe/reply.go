package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/knowledge"
)

// certReport describes the server certificate and lists what a client would complain about.
func certReport(cs tls.ConnectionState, host string, roots *x509.CertPool) (info string, problems []string) {
	if len(cs.PeerCertificates) == 0 {
		return "no certificate", []string{"the server sent no certificate"}
	}
	leaf := cs.PeerCertificates[0]
	days := int(time.Until(leaf.NotAfter).Hours() / 24)
	info = fmt.Sprintf("certificate for %q issued by %q, expires %s (%d days).",
		leaf.Subject.CommonName, leaf.Issuer.CommonName, leaf.NotAfter.UTC().Format("2006-01-02"), days)
	now := time.Now()
	switch {
	case now.After(leaf.NotAfter):
		problems = append(problems, "the certificate has expired")
	case now.Before(leaf.NotBefore):
		problems = append(problems, "the certificate is not valid yet")
	case days < 14:
		problems = append(problems, fmt.Sprintf("the certificate expires in %d days", days))
	}
	if err := leaf.VerifyHostname(host); err != nil {
		problems = append(problems, "the certificate is not for "+host)
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now}); err != nil {
		if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignatureFrom(leaf) == nil {
			problems = append(problems, "the certificate is self-signed, so clients warn about it or refuse it")
		} else {
			problems = append(problems, "the certificate chain does not lead to a trusted authority")
		}
	}
	return info, problems
}

// Reply turns a report into the bot's reply: the steps as a list, the verdict as the summary,
// and the failing code's entry as related, with its full guide.
func (r *Report) Reply(kb *knowledge.Base) bot.Reply {
	out := bot.Reply{Kind: bot.KindProbe, ID: "check", Title: "Check of " + r.Target, Summary: r.Verdict}
	if r.Server != "" {
		out.Fields = append(out.Fields, bot.Field{Label: "Server", Value: r.Server})
	}
	if r.Address != "" {
		out.Fields = append(out.Fields, bot.Field{Label: "Address", Value: r.Address})
	}
	steps := bot.Section{Heading: "Steps", Ordered: true}
	for _, s := range r.Results {
		steps.Items = append(steps.Items, ResultLine(s))
	}
	out.Sections = append(out.Sections, steps)
	f, failed := r.Failure()
	switch {
	case failed:
		out.Severity = bot.SeverityError
		out.Title += ": failed at " + f.Name
		sec := bot.Section{Heading: "What went wrong", Body: f.Explain}
		if f.Fix != "" {
			sec.Items = []string{f.Fix}
		}
		out.Sections = append(out.Sections, sec)
	case strings.HasPrefix(r.Verdict, "Works"):
		out.Severity = bot.SeverityWarning
		out.Title += ": works, with warnings"
		var items []string
		for _, s := range r.Results {
			if s.Status == Warning && s.Fix != "" {
				items = append(items, s.Name+": "+s.Fix)
			}
		}
		if len(items) > 0 {
			out.Sections = append(out.Sections, bot.Section{Heading: "Worth fixing", Items: items})
		}
	default:
		out.Severity = bot.SeveritySuccess
		out.Title += ": healthy"
	}
	if kb != nil {
		for _, s := range r.Results {
			if s.Status == OK || s.Code == 0 {
				continue
			}
			if e, ok := kb.Lookup(knowledge.Code(s.Code)); ok {
				id := e.Code.String()
				out.Related = append(out.Related, bot.Ref{ID: id, Kind: knowledge.KindCode, Label: e.Heading()})
				if len(out.Links) == 0 {
					out.Links = append(out.Links, bot.Link{Label: bot.LinkGuide, URL: bot.GuidePath(knowledge.KindCode, id)})
				}
			}
		}
	}
	out.Footer = "Live check from ftpbot: anonymous unless a profile was named; the data connection only goes to the address checked."
	return out
}

// ResultLine is one step as a line of text: "ok  greeting 220 (3 ms): 220 (vsFTPd 3.0.3) — …".
func ResultLine(s Result) string {
	var b strings.Builder
	mark := map[Status]string{OK: "✓", Warning: "!", Failed: "✗"}[s.Status]
	fmt.Fprintf(&b, "%s %s", mark, s.Name)
	if s.Code != 0 {
		fmt.Fprintf(&b, " %d", s.Code)
	}
	fmt.Fprintf(&b, " (%d ms)", s.MS)
	if s.Response != "" {
		fmt.Fprintf(&b, ": %s", s.Response)
	}
	if s.Explain != "" {
		fmt.Fprintf(&b, " — %s", s.Explain)
	}
	return b.String()
}

// Limiter bounds checks: at most max at once, and a per-user rate.
type Limiter struct {
	sem  chan struct{}
	rate bot.Limiter
}

// NewLimiter allows max checks at once in this process (at least 1) and per user what perUser
// allows (nil: no per-user limit). perUser may be shared by replicas (see package state).
func NewLimiter(max int, perUser bot.Limiter) *Limiter {
	if max < 1 {
		max = 1
	}
	return &Limiter{sem: make(chan struct{}, max), rate: perUser}
}

// Acquire takes a slot for user, or says why not. Call release when the check is done.
func (l *Limiter) Acquire(ctx context.Context, user string) (release func(), err error) {
	if l.rate != nil && !l.rate.Allow(ctx, user) {
		return nil, bot.UsageError("You have run several checks in the last minute; please wait a little before the next one.")
	}
	select {
	case l.sem <- struct{}{}:
		return func() { <-l.sem }, nil
	default:
		return nil, bot.UsageError("ftpbot is running as many checks as it may at once; try again in a minute.")
	}
}
