package bot

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ftpbot/ftpbot/bot/transcript"
	"github.com/ftpbot/ftpbot/knowledge"
)

// The evidence rules of step 3 (see logreply.go): each reads what a log shows beyond its failing
// code and, when its evidence is there, names the specific failure first.

// diagnosis is step 3's result: what leads the answer and why.
type diagnosis struct {
	entry    *knowledge.Entry // the code explained, nil when a topic or the class leads
	topic    *knowledge.Topic // the topic that leads, nil when the code does
	follow   *knowledge.Topic // when the code leads: the topic that names the failure, right after it
	title    string
	summary  string
	evidence []*transcript.Entry // the decisive lines
	pick     func(string) bool   // for a multi-line reply in evidence: which of its lines decides (nil: the first)
	class    bool                // a code outside the standards: its class leads
}

// evidenceRule is one rule of step 3: it reports a diagnosis when the log shows its evidence.
type evidenceRule func(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool)

// evidenceRules, strongest evidence first. Each is a general statement about FTP sessions.
var evidenceRules = []evidenceRule{
	foreignServer,      // something other than FTP answered
	noGreeting,         // the TCP connection opened and no 220 came
	vsftpdOops,         // vsftpd's "500 OOPS: …" names its own failure
	manualPasv,         // "literal pasv" typed at an ftp> prompt does not make the client passive
	protectedData,      // an encrypted data connection refused after the server accepted it
	passiveAddress,     // a 227 naming an address the client cannot reach, then the data connection failed
	quotaReset,         // a transfer cut after a login that announced a quota
	tlsFailure,         // a refusal or client error about TLS
	activeRefused,      // the server refused the client's PORT address
	extendedRefused,    // EPSV and EPRT both unknown to the server: no data connection over IPv6
	serverMessage,      // a failing reply whose wording the knowledge base knows names its topic
	dataAfterPassive,   // a data connection that failed after a passive reply
	timeoutAtData,      // a time-out waiting for the reply to PASV or a listing
	clientTopicNoReply, // no reply at all: the client's message and its topic
}

// diagnose is step 3: the first evidence rule that applies, else the failing code.
func (e *Engine) diagnose(t *transcript.Transcript, f logFailure) diagnosis {
	for _, rule := range evidenceRules {
		if d, ok := rule(e, t, f); ok && (d.entry != nil || d.topic != nil) {
			return d
		}
	}
	return e.codeDiagnosis(t, f)
}

// foreignServer: a greeting that is an SSH banner or an HTTP reply means the port belongs to
// another protocol. An SSH server there means the account is for SFTP.
func foreignServer(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	if f.banner == nil || !f.noFTP {
		return diagnosis{}, false
	}
	tp, _ := e.KB.Topic("ftp-ftps-sftp")
	d := diagnosis{topic: tp, evidence: []*transcript.Entry{f.banner}}
	switch transcript.Foreign(f.banner.Raw) {
	case "SSH":
		d.title = "An SSH server answered, not an FTP server"
		d.summary = "The port answered with an SSH banner (" + quote(bannerText(f.banner)) + "): it serves SFTP, which is SSH, not FTP. Connect with SFTP (sftp://, usually port 22) and the same account, or point the FTP client at the FTP port (usually 21)."
	case "TLS":
		d.topic, _ = e.KB.Topic("explicit-implicit-ftps")
		d.title = "A TLS port answered: implicit FTPS"
		d.summary = "The server's first bytes were a TLS record (" + quote(truncate(f.banner.Text, 60)) + "), not a 220 greeting: the port speaks implicit FTPS (TLS from the first byte, usually port 990). Use implicit FTPS (ftps://) for this port, or explicit FTPS (AUTH TLS) on the plain FTP port, usually 21."
	default:
		d.title = "A web server answered, not an FTP server"
		d.summary = "The port answered in HTTP (" + quote(bannerText(f.banner)) + "): it is a web server's port. Use the FTP server's port (usually 21, or 990 for implicit FTPS) and an ftp:// or ftps:// address."
		if cf, ok := e.KB.Topic("connection-failures"); ok {
			d.topic = cf
		}
	}
	if f.hint != nil {
		d.evidence = append(d.evidence, f.hint)
	}
	return d, true
}

func bannerText(en *transcript.Entry) string {
	if m := bannerRE.FindString(en.Raw); m != "" {
		return strings.TrimSpace(m)
	}
	return en.Text
}

// noGreeting: the client says the TCP connection opened, and no reply followed. Something
// listens on the port (so no firewall blocks it) but does not speak plain FTP first: usually an
// implicit-FTPS port waiting for a TLS handshake, or a client that starts TLS on a plain port.
func noGreeting(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	if !f.noFTP || f.conn == nil {
		return diagnosis{}, false
	}
	if (f.hint != nil && tlsClientRE.MatchString(f.hint.Text)) || (f.exc != nil && tlsClientRE.MatchString(f.exc.Text)) {
		// the client's TLS layer read the server's first bytes and failed: tlsFailure says that
		return diagnosis{}, false
	}
	d := diagnosis{evidence: []*transcript.Entry{f.conn}}
	if f.hint != nil {
		d.evidence = append(d.evidence, f.hint)
	}
	closed := f.hint != nil && closedRE.MatchString(f.hint.Text) &&
		!tlsClientRE.MatchString(f.hint.Text)
	if closed {
		d.topic, _ = e.KB.Topic("connection-failures")
		d.title = "Connected, then closed before any FTP greeting"
		d.summary = "The TCP connection opened, but the server closed it before sending the 220 greeting every FTP server sends first. Something on that port accepts connections and then drops them: a connection limit or ban on the server (TCP wrappers, fail2ban), a proxy, or a TLS-only port that gave up waiting. Check the server's log at that moment and that the port is the FTP server's."
		return d, true
	}
	d.topic, _ = e.KB.Topic("explicit-implicit-ftps")
	d.title = "Connected, but no FTP greeting came"
	d.summary = "The TCP connection opened, so no firewall blocks the port, but the 220 greeting every FTP server sends first never came. The port speaks something else first — usually implicit FTPS (port 990), which waits for a TLS handshake, or the client started TLS on a plain FTP port. Match the client's mode to the port: implicit (ftps://) for 990, plain or explicit TLS (ftp:// with AUTH TLS) for 21."
	return d, true
}

// vsftpdOops: vsftpd answers a session it cannot set up with "500 OOPS: " and the reason. The
// reason, not 500's generic "syntax error", is the failure.
func vsftpdOops(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	for i := range t.Entries {
		en := &t.Entries[i]
		if en.Dir != transcript.Response || !strings.HasPrefix(en.Text, "OOPS:") {
			continue
		}
		reason := strings.TrimSpace(strings.TrimPrefix(firstLine(en.Text), "OOPS:"))
		reason = strings.TrimSpace(strings.TrimPrefix(reason, "vsftpd:"))
		d := diagnosis{evidence: []*transcript.Entry{en}}
		d.title = "vsftpd refused the session: " + reason
		d.summary = "vsftpd answered " + quote(en.Code.String()+" "+firstLine(en.Text)) + ": it stopped the session because of its own setup, not a command's syntax."
		lower := strings.ToLower(reason)
		if ce, ok := e.clientError(en.Code.String() + " " + firstLine(en.Text)); ok && ce.Topic != "" {
			d.topic, _ = e.KB.Topic(ce.Topic)
			d.summary += " " + knowledge.FirstSentence(ce.Meaning)
		}
		if d.topic != nil {
			// the message table named it
		} else if strings.Contains(lower, "chroot") || strings.Contains(lower, "change directory") || strings.Contains(lower, "home") || strings.Contains(lower, "writable") || strings.Contains(lower, "writeable") {
			d.topic, _ = e.KB.Topic("permissions-chroot")
			if strings.Contains(lower, "writable root") || strings.Contains(lower, "writeable root") {
				d.summary += " The user's home (the chroot root) is writable by the user, which vsftpd refuses since 2.3.5: remove write permission from the home (chmod a-w) and give the user a writable subdirectory, or set allow_writeable_chroot=YES."
			}
		}
		if d.topic == nil {
			for _, m := range e.closeMatches(reason, 3) {
				if m.Kind == knowledge.KindTopic {
					d.topic, _ = e.KB.Topic(m.ID)
					break
				}
			}
		}
		if d.topic == nil {
			d.entry, _ = e.KB.Lookup(en.Code)
		}
		return d, true
	}
	return diagnosis{}, false
}

// passiveAddress: a 227 reply naming an address the client cannot reach — 0.0.0.0, a private
// address when the control connection went to a public one, or any other address than the one
// the client connected to — followed by a data connection that failed or never came, is the
// server behind NAT announcing its inside address.
func passiveAddress(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	var pasvEntry *transcript.Entry
	for i := range t.Entries {
		if a, _, ok := transcript.PassiveAddr(&t.Entries[i]); ok && transcript.Unroutable(a, t.ControlAddr) {
			pasvEntry = &t.Entries[i]
		}
	}
	if pasvEntry == nil || (f.reply != nil && !f.benign && tlsDataRE.MatchString(f.reply.Text)) {
		// a refusal that names TLS ("TLS session of data connection not resumed") says the
		// data connection arrived: the address worked
		return diagnosis{}, false
	}
	addr, port, _ := transcript.PassiveAddr(pasvEntry)
	// 0.0.0.0 is never reachable: whatever failed after it follows from it. Another address is
	// the cause only of a data connection that failed or never came.
	failed := f.stall != nil || f.data != nil ||
		(addr == "0.0.0.0" && ((f.reply != nil && !f.benign && t.Index(f.reply) > t.Index(pasvEntry)) || (f.hint != nil && t.Index(f.hint) > t.Index(pasvEntry))))
	if !failed {
		return diagnosis{}, false
	}
	d := diagnosis{evidence: []*transcript.Entry{pasvEntry}}
	d.topic, _ = e.KB.Topic("pasv-epsv-nat")
	d.title = "Passive mode: the server sent an address the client cannot reach"
	control := "the server"
	if t.ControlAddr != "" {
		control = t.ControlAddr
		for i := range t.Entries {
			if t.Entries[i].Dir == transcript.Response {
				break
			}
			if strings.Contains(t.Entries[i].Text, t.ControlAddr) {
				d.evidence = append([]*transcript.Entry{&t.Entries[i]}, d.evidence...)
				break
			}
		}
	}
	why := "a different address"
	switch {
	case addr == "0.0.0.0":
		why = "no usable address at all"
	case isPrivate(addr) && !isPrivate(t.ControlAddr) && t.ControlAddr != "":
		why = "a private address, not the public one you connected to"
	}
	d.summary = fmt.Sprintf("The control connection went to %s, but the server's 227 reply told the client to open the data connection to %s port %d — %s — and that connection failed. The server is behind NAT (or in a container) and announces its inside address: set its public passive address (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd -P) and forward its passive port range, or let the client ignore the address in 227 (curl --ftp-skip-pasv-ip; FileZilla does it by default).", control, addr, port, why)
	d.evidence = append(d.evidence, failureLines(f)...)
	if f.reply != nil && !f.benign {
		d.entry, _ = e.KB.Lookup(f.reply.Code)
	} else {
		d.entry, _ = e.KB.Lookup(425)
	}
	return d, true
}

func isPrivate(a string) bool {
	return privateRE.MatchString(a)
}

var manualPasvRE = regexp.MustCompile(`(?i)^(literal|quote)\s+(pasv|epsv)\b`)

// manualPasv: typing "literal pasv" (or "quote pasv") at a command-line client's ftp> prompt
// sends PASV to the server, but the client does not use the port it gets: it goes on in active
// mode. Windows' ftp.exe has no passive mode at all, so a transfer that fails after it is active
// mode's trouble.
func manualPasv(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	var typed *transcript.Entry
	for _, p := range t.Tagged(transcript.TagPrompt) {
		if manualPasvRE.MatchString(p.Text) {
			typed = p
		}
	}
	if typed == nil || (f.reply == nil && f.hint == nil && f.stall == nil) {
		return diagnosis{}, false
	}
	d := diagnosis{evidence: append([]*transcript.Entry{typed}, failureLines(f)...)}
	d.topic, _ = e.KB.Topic("active-vs-passive")
	d.title = "“" + typed.Text + "” does not put the client in passive mode"
	d.summary = "Sending PASV by hand makes the server open a passive port, but the command-line client does not use it: it still sends PORT and waits for the server to connect back (active mode), which NAT and firewalls block. Windows' ftp.exe cannot do passive mode at all; use a client that can (WinSCP, FileZilla, curl, or the PowerShell/.NET FTP classes with UsePassive)."
	if f.reply != nil && !f.benign {
		d.entry, _ = e.KB.Lookup(f.reply.Code)
	}
	return d, true
}

// quotaRE: a login reply announcing a quota: the word, or Pure-FTPd's "1024 Kbytes used (90%) -
// authorized: 1100 Kb" and "12 files used (3%) - authorized: 400 files".
var quotaRE = regexp.MustCompile(`(?i)quota|used \(\d+%\) - authorized`)

// quotaReset: when the login reply announced a quota and a transfer then broke off (a 426, 451
// or 552, or the connection dropped after 150), the quota is what stopped it.
func quotaReset(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	var login *transcript.Entry
	for i := range t.Entries {
		en := &t.Entries[i]
		if en.Dir == transcript.Response && en.Code == 230 && quotaRE.MatchString(en.Text) {
			login = en
		}
	}
	if login == nil {
		return diagnosis{}, false
	}
	cut := (f.reply != nil && !f.benign && (f.reply.Code == 426 || f.reply.Code == 451 || f.reply.Code == 452 || f.reply.Code == 552)) ||
		(f.data != nil && (f.data.Code == 150 || f.data.Code == 125))
	if !cut {
		return diagnosis{}, false
	}
	entry, ok := e.KB.Lookup(552)
	if !ok {
		return diagnosis{}, false
	}
	d := diagnosis{entry: entry, evidence: []*transcript.Entry{login}, pick: quotaRE.MatchString}
	d.title = "Upload stopped by the account's disk quota"
	d.summary = "The login reply announced a quota, and the transfer then broke off part-way: the upload filled the account's quota. Free space on the account (delete files), or ask the admin to raise the quota; a reset connection mid-upload is how some servers enforce it."
	d.evidence = append(d.evidence, failureLines(f)...)
	return d, true
}

var (
	bannerRE      = regexp.MustCompile(`SSH-[12]\.\d+-\S*|HTTP/1\.[01] \d{3}[^"']*`)
	tlsDataRE     = regexp.MustCompile(`(?i)operation not permitted|tls|ssl|reuse|resum|session|handshake`)
	unsupportedRE = regexp.MustCompile(`(?i)not (recognized|recognised|understood|implemented)|unknown command|unrecognized`)
	timeoutRE     = regexp.MustCompile(`(?i)time[sd]? ?out|timeout|ETIMEDOUT|10060`)
	closedRE      = regexp.MustCompile(`(?i)reset|closed|EOF|refused|broken pipe`)
	privateRE     = regexp.MustCompile(`^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)`)
	portWordsRE   = regexp.MustCompile(`(?i)\bPORT\b|won't open a connection|not yours`)
	tlsWordsRE    = regexp.MustCompile(`(?i)\b(ssl|tls|ftps|encrypt\w*|secure|certificate|x509|handshake|AUTH)\b`)
	reuseRE       = regexp.MustCompile(`(?i)session reuse|not resumed|resum|reuse required`)
	certRE        = regexp.MustCompile(`(?i)certificate|x509|CERTIFICATE_VERIFY|self[- ]signed|not trusted|unknown ca|issuer`)
	// a TLS layer that read plain text or another protocol: the FTPS modes disagree
	modeMismatchRE = regexp.MustCompile(`(?i)wrong version number|unexpected TLS packet|first record does not look like a TLS handshake|packet length too long|record layer failure|http request`)
	tlsClientRE    = regexp.MustCompile(`(?i)ssl|tls|gnutls|handshake|wrong version number|x509|certificate`)
)

// tlsFailure: a refusal whose words are about TLS (a server that requires it, refuses AUTH, wants
// the TLS session resumed), or a client error from its TLS layer, is a TLS problem whatever the
// code: the TLS topic leads and the code follows.
func tlsFailure(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	var en *transcript.Entry
	var text string
	switch {
	case f.reply != nil && !f.benign && (tlsWordsRE.MatchString(f.reply.Text) || f.reply.Command == "AUTH" || f.reply.Command == "PBSZ" || f.reply.Command == "PROT"):
		en, text = f.reply, f.reply.Code.String()+" "+f.reply.Text
	case f.reply != nil && f.benign && f.reply.Command == "AUTH" && f.hint != nil:
		en, text = f.reply, f.reply.Code.String()+" "+f.reply.Text
	case f.hint != nil && tlsClientRE.MatchString(f.hint.Text):
		en, text = f.hint, f.hint.Text
	case f.reply == nil && f.exc != nil && tlsClientRE.MatchString(f.exc.Text):
		en, text = f.exc, f.exc.Text
	default:
		// a refused AUTH the session did not go on after: the client insisted on TLS
		for i := range t.Entries {
			r := &t.Entries[i]
			if r.Dir == transcript.Response && r.Command == "AUTH" && r.Code >= 400 && !t.Entries[len(t.Entries)-1].OpensData() && !loggedInAfter(t, i) {
				en, text = r, r.Code.String()+" "+r.Text
				break
			}
		}
	}
	if en == nil {
		return diagnosis{}, false
	}
	d := diagnosis{evidence: []*transcript.Entry{en}}
	if en != f.hint && f.hint != nil && tlsClientRE.MatchString(f.hint.Text) {
		d.evidence = append(d.evidence, f.hint)
	}
	slug := "explicit-implicit-ftps"
	switch {
	case reuseRE.MatchString(text) || (f.ce != nil && f.ce.Topic == "tls-session-reuse"):
		slug = "tls-session-reuse"
		d.title = "The server requires TLS session reuse on the data connection"
		d.summary = "The server refused the encrypted data connection because it did not resume the control connection's TLS session (" + quote(firstLine(text)) + "). Use a client that reuses TLS sessions (FileZilla, WinSCP, lftp, curl), or turn the check off on the server (vsftpd require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired)."
	case certRE.MatchString(text):
		d.title = "The client does not trust the server's TLS certificate"
		d.summary = "TLS started, but the client refused the server's certificate (" + quote(firstLine(text)) + "): it is self-signed, from a private CA, expired, or names another host. Install a certificate from a public CA that matches the host name, or tell the client to trust this one (curl --cacert, lftp ssl:ca-file, Python's ssl context)."
		if tp := e.topicPrefix("tls-cert"); tp != nil {
			slug = tp.Slug
		}
	case en.Dir == transcript.Response && en.Command == "AUTH":
		d.title = "The server does not offer TLS (AUTH TLS refused)"
		d.summary = "The client asked for explicit FTPS with AUTH TLS and the server refused (" + quote(firstLine(text)) + "): TLS is not enabled on that server or port. Enable it on the server (vsftpd ssl_enable=YES, ProFTPD TLSEngine on, Pure-FTPd --tls=1), or connect without requiring TLS only on a network you trust."
	case en.Dir == transcript.Response:
		d.title = "The server requires TLS (FTPS)"
		d.summary = "The server refused with " + quote(firstLine(text)) + ": it accepts only encrypted sessions. Turn on explicit FTPS in the client (FTP over TLS, ftpes://, AUTH TLS on port 21) and protect the data connection too (PROT P)."
	case modeMismatchRE.MatchString(text):
		d.title = "TLS failed: the client and the port disagree on FTPS"
		d.summary = "The client's TLS layer read something that is not TLS (" + quote(firstLine(text)) + "): the client uses implicit FTPS (ftps://, TLS from the first byte) on a port that expects plain FTP first and AUTH TLS (explicit), or a router in between rewrote the exchange. Use explicit FTPS on port 21 and implicit only on 990."
	default:
		d.title = "The TLS handshake failed"
		d.summary = "The client's TLS layer failed (" + quote(firstLine(text)) + "). Check that client and port agree on the FTPS mode (explicit AUTH TLS on 21, implicit on 990) and that both sides share a TLS version and cipher (old servers offer only TLS 1.0 or weak ciphers that current clients refuse)."
	}
	d.topic, _ = e.KB.Topic(slug)
	if en.Dir == transcript.Response {
		d.entry, _ = e.KB.Lookup(en.Code)
		if d.entry != nil && en.Command != "AUTH" && (en.Code == 530 || en.Code == 534) && slug != "tls-session-reuse" {
			// A login refused because TLS is required (530) or a policy that requires it (534)
			// is what its code says: the code leads with this title, the TLS topic right after.
			// Other codes' generic meanings mislead here (500 "syntax error" for a refused AUTH,
			// 421 "service not available" for Pure-FTPd's cleartext refusal), and session reuse
			// is named only by its topic (servers send 425, 450 or 522 for it).
			d.topic, d.follow = nil, d.topic
		}
	}
	return d, true
}

// loggedInAfter reports whether a 230 follows entry i.
func loggedInAfter(t *transcript.Transcript, i int) bool {
	for _, en := range t.Entries[i+1:] {
		if en.Dir == transcript.Response && (en.Code == 230 || en.Code == 331 || en.Code == 234) {
			return true
		}
	}
	return false
}

// topicPrefix returns the first topic whose slug starts with p, or nil.
func (e *Engine) topicPrefix(p string) *knowledge.Topic {
	for _, tp := range e.KB.Topics() {
		if strings.HasPrefix(tp.Slug, p) {
			return tp
		}
	}
	return nil
}

// activeRefused: a refused PORT or EPRT ("500 Illegal PORT command", "500 I won't open a
// connection to 10.0.0.5 (only to 203.0.113.9)") means the client announced an address the
// server will not connect to — a client behind NAT in active mode.
func activeRefused(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	if f.reply == nil || f.benign || (f.reply.Command != "PORT" && f.reply.Command != "EPRT" && !portWordsRE.MatchString(f.reply.Text)) {
		return diagnosis{}, false
	}
	if f.reply.Code/100 != 5 || f.reply.Code == 502 || unsupportedRE.MatchString(f.reply.Text) {
		// "502 Command not implemented", "500 EPRT not understood": the command is unknown to the
		// server, not its address refused
		return diagnosis{}, false
	}
	d := diagnosis{evidence: []*transcript.Entry{f.reply}}
	d.topic, _ = e.KB.Topic("active-vs-passive")
	d.entry, _ = e.KB.Lookup(f.reply.Code)
	d.title = "Active mode refused: the server will not connect to the address in PORT"
	d.summary = "The server refused the client's PORT command (" + quote(f.reply.Code.String()+" "+firstLine(f.reply.Text)) + "): the address it names is not the one the client connects from — a client behind NAT announcing its private address. Switch the client to passive mode (the default in every modern client), or set its external address for active mode."
	return d, true
}

// extendedRefused: a server that refuses both EPSV and EPRT as unknown commands does not
// implement RFC 2428, so a client on IPv6 (where PASV and PORT cannot name an address) has no
// way to open a data connection; a client on IPv4 must fall back to PASV or PORT.
func extendedRefused(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	var epsv, eprt *transcript.Entry
	for i := range t.Entries {
		en := &t.Entries[i]
		if en.Dir != transcript.Response || en.Code < 500 || en.Code > 504 {
			continue
		}
		switch en.Command {
		case "EPSV":
			epsv = en
		case "EPRT":
			eprt = en
		}
	}
	if epsv == nil || eprt == nil || (f.reply != nil && !f.benign && f.reply != epsv && f.reply != eprt) {
		return diagnosis{}, false
	}
	tp := e.topicPrefix("ipv6-")
	if tp == nil {
		tp, _ = e.KB.Topic("pasv-epsv-nat")
	}
	if tp == nil {
		return diagnosis{}, false
	}
	d := diagnosis{topic: tp, evidence: []*transcript.Entry{epsv, eprt}}
	d.entry, _ = e.KB.Lookup(eprt.Code)
	d.title = "The server knows neither EPSV nor EPRT"
	d.summary = "The server refused both extended data commands (" + quote(epsv.Code.String()+" "+firstLine(epsv.Text)) + "): it does not implement RFC 2428, which an IPv6 connection needs because PASV and PORT can only name IPv4 addresses. Connect over IPv4 (the server's IPv4 address, or a client setting to prefer IPv4), or update the server."
	return d, true
}

// serverMessage: a failing reply whose own words are a known server message (a time-out's,
// a missing home directory's) is explained by that message's topic first; its code's generic
// meaning follows.
func serverMessage(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	if f.reply == nil || f.benign {
		return diagnosis{}, false
	}
	line := f.reply.Code.String() + " " + strings.ReplaceAll(f.reply.Text, "\n", " ")
	ce, ok := e.clientError(line)
	if !ok || ce.Topic == "" || ce.AboutSuccess() {
		return diagnosis{}, false
	}
	tp, ok := e.KB.Topic(ce.Topic)
	if !ok {
		return diagnosis{}, false
	}
	d := diagnosis{topic: tp, evidence: []*transcript.Entry{f.reply}}
	d.entry, _ = e.KB.Lookup(f.reply.Code)
	d.title = tp.Title + ": " + quote(truncate(f.reply.Code.String()+" "+firstLine(f.reply.Text), 90))
	d.summary = knowledge.FirstSentence(ce.Meaning)
	if len(ce.Fixes) > 0 {
		d.summary += " " + ce.Fixes[0]
	}
	return d, true
}

// protectedData: with PROT P accepted (data connections encrypted), a data connection that the
// server refused without a time-out ("425 Unable to build data connection: Operation not
// permitted", ProFTPD's words for a refused TLS handshake), or that broke after the server's 150,
// is its TLS handshake failing — most often because the server requires the control
// connection's TLS session to be resumed and the client did not.
func protectedData(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	prot := false
	for _, en := range t.Entries {
		if en.Dir == transcript.Response && en.Command == "PROT" && en.Code/100 == 2 {
			prot = true
		}
	}
	if !prot {
		return diagnosis{}, false
	}
	var en *transcript.Entry
	switch {
	case f.reply != nil && !f.benign && (f.reply.Code == 425 || f.reply.Code == 426 || f.reply.Code == 450 || f.reply.Code == 522) &&
		tlsDataRE.MatchString(f.reply.Text):
		en = f.reply
	case f.data != nil && (f.data.Code == 150 || f.data.Code == 125) && f.hint != nil:
		en = f.hint
	}
	if en == nil {
		return diagnosis{}, false
	}
	tp, ok := e.KB.Topic("tls-session-reuse")
	if !ok {
		return diagnosis{}, false
	}
	d := diagnosis{topic: tp, evidence: []*transcript.Entry{en}}
	if f.data != nil && en != f.data {
		d.evidence = append([]*transcript.Entry{f.data}, d.evidence...)
	}
	if f.reply != nil && !f.benign {
		d.entry, _ = e.KB.Lookup(f.reply.Code)
	}
	d.title = "The encrypted data connection failed: TLS session reuse"
	d.summary = "Data connections are encrypted here (PROT P), and the server accepted the data connection but its TLS handshake failed (" + quote(firstLine(en.Text)) + "). Servers that require each data connection to resume the control connection's TLS session (vsftpd require_ssl_reuse, ProFTPD's default) refuse clients that do not: use a client that reuses TLS sessions (FileZilla, WinSCP, lftp, curl), or turn the check off on the server (vsftpd require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired)."
	return d, true
}

// dataAfterPassive: a data connection that failed or never arrived after a 227 or 229 reply is
// the passive port the server announced being unreachable (NAT, or a passive port range not
// forwarded or opened); after a 200 to PORT it is the server's connection back to the client,
// which the client's own firewall or router blocks.
func dataAfterPassive(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	after := f.data
	if after == nil {
		after = f.stall
	}
	if after == nil || after.Code == 150 || after.Code == 125 {
		return diagnosis{}, false
	}
	d := diagnosis{evidence: []*transcript.Entry{after}}
	d.evidence = append(d.evidence, failureLines(f)...)
	stalled := f.stall != nil && f.data == nil
	what := "failed"
	if stalled {
		what = "never opened: the log ends waiting for it"
	}
	last := quote(strings.TrimSpace(after.Code.String() + " " + firstLine(after.Text)))
	if after.ActiveOK() {
		d.topic, _ = e.KB.Topic("active-vs-passive")
		d.title = "Active mode: the server's connection back to the client " + strings.Split(what, ":")[0]
		d.summary = "After " + last + " the server had to connect back to the client for the listing or file, and that connection " + what + ". The client's firewall or router blocks it: switch the client to passive mode (Windows' built-in ftp.exe cannot; use another client)."
	} else if timedOut := stalled || (f.hint != nil && timeoutRE.MatchString(f.hint.Text)) || (f.reply != nil && timeoutRE.MatchString(f.reply.Text)); timedOut {
		// The address in the reply is one the client can use (passiveAddress did not apply), and
		// nothing answered on its port: a firewall drops the passive port range.
		d.topic, _ = e.KB.Topic("firewall-ports")
		d.title = "Passive mode: the data connection " + strings.Split(what, ":")[0] + " (passive ports blocked)"
		d.summary = "After " + last + " the client had to open a second connection to the address and port in that reply, and it " + what + ", with no answer at all: a firewall between you and the server drops the server's passive port range. Open that range (and only it) on the server's firewall and any cloud security group, and set the same range in the server (vsftpd pasv_min_port/pasv_max_port, ProFTPD PassivePorts, Pure-FTPd -p)."
	} else {
		d.topic, _ = e.KB.Topic("pasv-epsv-nat")
		d.title = "Passive mode: the data connection " + strings.Split(what, ":")[0]
		d.summary = "After " + last + " the client had to open a second connection to the address and port in that reply, and it " + what + ". Nothing accepts connections there: the server is behind NAT or in a container and announces an address or port that is not forwarded to it. Set the server's public passive address and port range and forward that range to it."
	}
	d.entry, _ = e.KB.Lookup(425)
	return d, true
}

// dataSetupCommands are the commands that set up or use a data connection.
var dataSetupCommands = map[string]bool{"PASV": true, "EPSV": true, "PORT": true, "EPRT": true, "LIST": true, "MLSD": true, "NLST": true, "RETR": true, "STOR": true, "APPE": true}

// timeoutAtData: a client time-out while a passive-port request or a listing waits for its reply
// is the data connection's setup being blocked (by a firewall or a NAT router that inspects FTP,
// or passive ports that are not open): which side opens the data connection is the fix.
func timeoutAtData(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	if f.hint == nil || (f.reply != nil && !f.benign) || f.ce == nil || !isTimeout(*f.ce) {
		return diagnosis{}, false
	}
	var cmd *transcript.Entry
	for i := t.Index(f.hint) - 1; i >= 0; i-- {
		en := &t.Entries[i]
		if en.Dir == transcript.Response {
			break
		}
		if en.Dir == transcript.Command {
			cmd = en
			break
		}
	}
	if cmd == nil || !dataSetupCommands[strings.ToUpper(firstWord(cmd.Text))] {
		return diagnosis{}, false
	}
	d := diagnosis{evidence: []*transcript.Entry{cmd, f.hint}}
	d.topic, _ = e.KB.Topic("active-vs-passive")
	d.title = "Timed out setting up the data connection (after " + strings.ToUpper(firstWord(cmd.Text)) + ")"
	d.summary = "The login worked, but the client timed out waiting for the answer to " + quote(cmd.Text) + ": a firewall or NAT router between you and the server is blocking or rewriting the data connection's setup. Try the other mode (passive is the default and usually right), open the server's passive port range, and turn off FTP inspection (ALG) on routers between."
	return d, true
}

func isTimeout(c knowledge.ClientError) bool {
	id := strings.ToLower(c.ID + " " + strings.Join(c.Match, " "))
	return c.Code == 10060 || strings.Contains(id, "timeout") || strings.Contains(id, "timed out") || strings.Contains(id, "timed-out")
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// clientTopicNoReply: when the server never replied, the client's own message is all the log
// has, and the concept it names leads (a refused connection, a time-out, a TLS mismatch).
func clientTopicNoReply(e *Engine, t *transcript.Transcript, f logFailure) (diagnosis, bool) {
	if !f.noFTP || f.ce == nil || f.ce.Topic == "" || f.ce.Code != 0 {
		return diagnosis{}, false
	}
	tp, ok := e.KB.Topic(f.ce.Topic)
	if !ok {
		return diagnosis{}, false
	}
	d := diagnosis{topic: tp, evidence: []*transcript.Entry{f.hint}}
	d.title = tp.Title
	d.summary = knowledge.FirstSentence(f.ce.Meaning)
	return d, true
}
