package probe

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// hostileFTP is an FTP server on 127.0.0.1 that the test scripts: it IS the attacker. It answers
// like a small anonymous server unless script has a reply for a command (the upper-case verb,
// or "GREETING"); the replies may be several lines. It records every command it receives and
// counts the connections made to its control port.
type hostileFTP struct {
	addr  string
	port  int
	conns atomic.Int32
	mu    sync.Mutex
	cmds  []string
}

func (h *hostileFTP) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.cmds...)
}

func (h *hostileFTP) sawVerb(verb string) bool {
	for _, c := range h.received() {
		if v, _, _ := strings.Cut(c, " "); strings.EqualFold(v, verb) {
			return true
		}
	}
	return false
}

func startHostile(t *testing.T, script map[string]string) *hostileFTP {
	t.Helper()
	h := &hostileFTP{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = l.Addr().String()
	h.port = l.Addr().(*net.TCPAddr).Port
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.conns.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				h.serve(c, script)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return h
}

func (h *hostileFTP) serve(c net.Conn, script map[string]string) {
	say := func(key, def string) {
		if s, ok := script[key]; ok {
			def = s
		}
		fmt.Fprint(c, strings.NewReplacer("{port}", strconv.Itoa(h.port), "{p1}", strconv.Itoa(h.port>>8), "{p2}", strconv.Itoa(h.port&0xff)).Replace(def))
	}
	say("GREETING", "220 hostile ready\r\n")
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		h.mu.Lock()
		h.cmds = append(h.cmds, line)
		h.mu.Unlock()
		verb, _, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		switch verb {
		case "FEAT":
			say(verb, "211-Features:\r\n EPSV\r\n211 End\r\n")
		case "USER":
			say(verb, "331 Password please\r\n")
		case "PASS":
			say(verb, "230 Logged in\r\n")
		case "SYST":
			say(verb, "215 UNIX Type: L8\r\n")
		case "PWD":
			say(verb, "257 \"/\"\r\n")
		case "TYPE":
			say(verb, "200 Binary\r\n")
		case "QUIT":
			say(verb, "221 Bye\r\n")
			return
		default:
			say(verb, "502 Not here\r\n")
		}
	}
}

// TestHostileDataPort: a PASV or EPSV reply that names a privileged port (SSH's 22) or the
// control port is not dialled; the check fails at the listing instead of connecting there.
func TestHostileDataPort(t *testing.T) {
	tests := []struct {
		name   string
		script map[string]string
	}{
		{"epsv names ssh", map[string]string{"PASV": "502 no\r\n", "EPSV": "229 Entering Extended Passive Mode (|||22|)\r\n"}},
		{"pasv names ssh", map[string]string{"PASV": "227 Entering Passive Mode (127,0,0,1,0,22).\r\n", "EPSV": "502 no\r\n"}},
		{"epsv names the control port", map[string]string{"PASV": "502 no\r\n", "EPSV": "229 Entering Extended Passive Mode (|||{port}|)\r\n"}},
		{"pasv names the control port, epsv ssh", map[string]string{
			"PASV": "227 Entering Passive Mode (127,0,0,1,{p1},{p2}).\r\n",
			"EPSV": "229 Entering Extended Passive Mode (|||22|)\r\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t, tt.script)
			o := options(t)
			o.WaitTimeout, o.Timeout = time.Second, 5*time.Second
			rep, err := Run(context.Background(), mustTarget(t, h.addr), o)
			if err != nil {
				t.Fatal(err)
			}
			if n := h.conns.Load(); n != 1 {
				t.Errorf("the server saw %d connections, want only the control connection", n)
			}
			if h.sawVerb("LIST") || h.sawVerb("MLSD") {
				t.Errorf("the probe asked for a listing over a refused data port: %q", h.received())
			}
			f, failed := rep.Failure()
			if !failed || f.Name != "list" {
				t.Fatalf("steps = %s, want a failure at list", statuses(rep))
			}
			if !strings.Contains(reportText(rep), "data port") {
				t.Errorf("the report does not say the data port was refused:\n%s", reportText(rep))
			}
		})
	}
}

// TestHostileControlCharacters: escape sequences, NUL and other control characters a server
// sends are gone from every text of the report, which the terminal prints and chat shows.
func TestHostileControlCharacters(t *testing.T) {
	h := startHostile(t, map[string]string{
		"GREETING": "220-\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x00NUL\r\n220 ready\x1b[0m \u009b31m \u202egnp.exe\r\n",
		"SYST":     "215 UNIX\x08\x08\x08\x08WIN\x7f\r\n",
		"PASV":     "502 no\x1b[1A\r\n",
		"EPSV":     "502 no\x1bc\r\n",
	})
	o := options(t)
	o.WaitTimeout, o.Timeout = time.Second, 5*time.Second
	rep, err := Run(context.Background(), mustTarget(t, h.addr), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Results {
		for _, text := range []string{s.Response, s.Explain, s.Fix, ResultLine(s)} {
			if i := strings.IndexFunc(text, unsafeRune); i >= 0 {
				t.Errorf("step %s keeps %q in %q", s.Name, text[i:i+1], text)
			}
		}
	}
	if !strings.Contains(reportText(rep), "ready") {
		t.Errorf("the greeting's printable text is gone too:\n%s", reportText(rep))
	}
}

// unsafeRune is what a terminal or chat client may act on instead of showing: C0 and C1
// controls and the bidirectional overrides.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// TestHostileFeatures: a FEAT reply of thousands of long feature lines is cut to a bounded list,
// and the list says how many it left out: all of them, not only those the probe kept.
func TestHostileFeatures(t *testing.T) {
	var b strings.Builder
	b.WriteString("211-Features:\r\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, " X%04d%s\r\n", i, strings.Repeat("F", 900))
	}
	b.WriteString("211 End\r\n")
	h := startHostile(t, map[string]string{"FEAT": b.String()})
	o := options(t)
	o.WaitTimeout, o.Timeout = 2*time.Second, 8*time.Second
	rep, err := Run(context.Background(), mustTarget(t, h.addr), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Results {
		if s.Name != "feat" {
			continue
		}
		if len(s.Explain) > 2048 {
			t.Errorf("the feat step explains in %d bytes", len(s.Explain))
		}
		// 5,000 features, maxFeatures of them named.
		if want := fmt.Sprintf(" and %d more.", 5000-maxFeatures); !strings.HasSuffix(s.Explain, want) {
			t.Errorf("the feat step ends %q, want %q", s.Explain[max(0, len(s.Explain)-40):], want)
		}
		return
	}
	t.Fatalf("no feat step: %s", statuses(rep))
}

// TestProfilePasswordOnlyOverTLS: a profile's user name and password are not sent to a server
// whose FEAT lacks AUTH TLS (an on-path attacker strips it), even though the probe tries AUTH
// TLS anyway; allow_plaintext lets them through.
func TestProfilePasswordOnlyOverTLS(t *testing.T) {
	for _, plaintext := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow_plaintext=%v", plaintext), func(t *testing.T) {
			h := startHostile(t, map[string]string{"AUTH": "502 not here\r\n", "PASV": "502 no\r\n", "EPSV": "502 no\r\n"})
			o := options(t)
			o.WaitTimeout, o.Timeout = time.Second, 5*time.Second
			o.User, o.Password, o.AllowPlaintext = "bob", "Hunter2", plaintext
			rep, err := Run(context.Background(), mustTarget(t, h.addr), o)
			if err != nil {
				t.Fatal(err)
			}
			if !h.sawVerb("AUTH") {
				t.Errorf("AUTH TLS was not tried: %q", h.received())
			}
			sentPass := h.sawVerb("PASS") || h.sawVerb("USER")
			if sentPass != plaintext {
				t.Errorf("credentials sent = %v, want %v: %q", sentPass, plaintext, h.received())
			}
			if !plaintext {
				f, failed := rep.Failure()
				if !failed || f.Name != "login" || !strings.Contains(f.Fix, "allow_plaintext") {
					t.Errorf("steps = %s, failure %+v; want login to fail naming allow_plaintext", statuses(rep), f)
				}
			}
		})
	}
}
