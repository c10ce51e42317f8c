package knowledge

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
)

// Protocol is a protocol other than FTP whose messages read like FTP's (data/elsewhere.toml).
type Protocol struct {
	ID         string   `toml:"id"`
	Name       string   `toml:"name"`  // "SMTP (mail)"
	Note       string   `toml:"note"`  // one or two sentences: what it is, where to look instead
	Topic      string   `toml:"topic"` // a topic that answers it all the same; "" for none
	Signals    []string `toml:"signals"`
	Strong     []string `toml:"strong"`
	Patterns   []string `toml:"patterns"`
	UnlessCode bool     `toml:"unless_code"`

	patterns []*regexp.Regexp
}

func loadProtocols(fsys fs.FS) ([]Protocol, error) {
	if _, err := fs.Stat(fsys, "data/elsewhere.toml"); err != nil {
		return nil, nil
	}
	var f struct {
		Protocol []Protocol `toml:"protocol"`
	}
	if err := decodeFile(fsys, "data/elsewhere.toml", &f); err != nil {
		return nil, err
	}
	for i, p := range f.Protocol {
		if p.ID == "" || p.Name == "" || p.Note == "" || len(p.Signals) == 0 {
			return nil, fmt.Errorf("elsewhere.toml: protocol %q needs id, name, note and signals", p.ID)
		}
		for _, pat := range p.Patterns {
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("elsewhere.toml: %s: pattern %q: %v", p.ID, pat, err)
			}
			f.Protocol[i].patterns = append(f.Protocol[i].patterns, re)
		}
		for _, s := range append(p.Signals, p.Strong...) {
			if s != strings.ToLower(s) || strings.TrimSpace(s) == "" {
				return nil, fmt.Errorf("elsewhere.toml: %s: signal %q must be lower case and not empty", p.ID, s)
			}
		}
	}
	return f.Protocol, nil
}

// Elsewhere reports whether text is about another protocol that only reads like FTP: SMTP's
// "550 mailbox unavailable", HTTP's "421 Misdirected Request", mount.cifs's "mount error(13)",
// git's "Permission denied (publickey)", TFTP. Text that names FTP (see namesFTP) stays FTP
// unless a protocol's strong signal is in it. It reads at most MaxSearchBytes.
func (b *Base) Elsewhere(text string) (Protocol, bool) {
	lower := strings.ToLower(Bounded(text, MaxSearchBytes))
	ftp := namesFTP(lower)
	hasCode := sync.OnceValue(func() bool { return len(CodesIn(text)) > 0 })
	for _, p := range b.protocols {
		for _, s := range p.Strong {
			if containsWord(lower, s) {
				return p, true
			}
		}
		if ftp || !p.matches(lower) {
			continue
		}
		if p.UnlessCode && hasCode() {
			continue
		}
		return p, true
	}
	return Protocol{}, false
}

// matches reports whether lower-case text holds one of p's signals or patterns.
func (p *Protocol) matches(lower string) bool {
	for _, s := range p.Signals {
		if containsWord(lower, s) {
			return true
		}
	}
	for _, re := range p.patterns {
		if re.MatchString(lower) {
			return true
		}
	}
	return false
}

// namesFTP reports whether lower-case text names FTP: a word containing "ftp" (ftp, ftps, vsftpd,
// ftplib, FtpClient) other than TFTP's and SFTP's, or a command only FTP has.
func namesFTP(lower string) bool {
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	}) {
		if strings.Contains(otherFTPs.Replace(w), "ftp") {
			return true
		}
		switch w {
		case "pasv", "epsv", "stor", "retr", "mlsd", "ftp>":
			return true
		}
	}
	return false
}

// otherFTPs removes the names of the protocols that only share FTP's letters.
var otherFTPs = strings.NewReplacer("sftp", "", "tftp", "")

// containsWord reports whether s holds sub where sub's alphanumeric edges do not touch another
// letter or digit ("smtp" is not inside "smtps2"; "5.1.1" is not inside "2.5.1.1").
func containsWord(s, sub string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(sub)
		digits := isDigit(sub[0]) || isDigit(sub[len(sub)-1])
		okStart := start == 0 || !isAlnumByte(sub[0]) || !(isAlnumByte(s[start-1]) || digits && s[start-1] == '.')
		okEnd := end == len(s) || !isAlnumByte(sub[len(sub)-1]) ||
			!(isAlnumByte(s[end]) || digits && s[end] == '.' && end+1 < len(s) && isDigit(s[end+1]))
		if okStart && okEnd {
			return true
		}
		i = start + 1
	}
}

func isAlnumByte(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 0x80 }

// AboutSomethingElse reports whether text is about another protocol that no FTP topic answers
// (see Elsewhere): mail, the web, Windows shares, git over SSH, TFTP. Callers that answer a pasted
// line by its code ask this first, since SMTP's "550 5.1.1 Recipient address rejected" reads like
// an FTP reply.
func (b *Base) AboutSomethingElse(text string) bool {
	p, ok := b.Elsewhere(text)
	return ok && p.Topic == ""
}
