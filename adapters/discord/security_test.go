package discord

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/bot/probe"
)

// smallOrderKeys are the encodings of the eight points of order 1, 2, 4 and 8 (and their
// non-canonical twins) that libsodium refuses: a signature check against one of them can be
// satisfied without the private key.
var smallOrderKeys = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity (order 1)
	"0000000000000000000000000000000000000000000000000000000000000000", // all zeros: y = 0 (order 4)
	"0000000000000000000000000000000000000000000000000000000000000080", // y = 0, sign bit set (order 4)
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = -1 (order 2)
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p, non-canonical 0 (order 4)
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1, non-canonical identity
}

// TestSmallOrderPublicKeys: a small-order Discord public key is refused when the adapter is
// built, so no forged interaction can pass; a real key still works.
func TestSmallOrderPublicKeys(t *testing.T) {
	// Why it matters: with the identity as the key, the signature R = identity, S = 0 passes
	// crypto/ed25519's Verify for every message.
	forged := append(bytes.Clone(mustHex(t, smallOrderKeys[0])), make([]byte, 32)...)
	if !ed25519.Verify(mustHex(t, smallOrderKeys[0]), []byte("1700000000{\"type\":1}"), forged) {
		t.Errorf("the forged signature no longer verifies against the identity key: update this comment")
	}
	for _, k := range smallOrderKeys {
		if err := CheckPublicKey(k); err == nil {
			t.Errorf("CheckPublicKey(%s) accepted a small-order key", k)
		}
		_, err := New(Options{Mode: "http", PublicKey: k, Engine: bottest.Engine(t)})
		if err == nil || !strings.Contains(err.Error(), "public_key") {
			t.Errorf("New with public key %s = %v, want a refusal naming discord.public_key", k, err)
		}
	}
	for _, bad := range []string{"", "zz", strings.Repeat("ab", 31), strings.Repeat("ff", 32)} {
		if err := CheckPublicKey(bad); err == nil {
			t.Errorf("CheckPublicKey(%q) accepted it", bad)
		}
	}
	s := newSigner(t)
	if err := CheckPublicKey(hex.EncodeToString(s.pub)); err != nil {
		t.Errorf("CheckPublicKey(a real key) = %v", err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostileGreeting is what the hostile FTP server greets with: Discord markdown, a masked link
// and a mass mention.
const hostileGreeting = "220 **Official** [Reset your password](https://evil.example/login) @everyone `x` ~~y~~ <@123>"

// TestProgressEscapesServerText: a live check's progress edits show the FTP server's text as
// text, escaped like the final report: a hostile server on 127.0.0.1 greets with markdown and a
// masked link, then waits so that a progress edit carries the greeting.
func TestProgressEscapesServerText(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprint(c, hostileGreeting+"\r\n")
		bufio.NewReader(c).ReadString('\n') // FEAT
		time.Sleep(1100 * time.Millisecond) // past the one-edit-a-second throttle
		fmt.Fprint(c, "502 "+hostileGreeting[4:]+"\r\n")
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })

	s := newSigner(t)
	rec := &recorder{}
	a, srv := newHTTPAdapter(t, s, rec, false)
	a.o.Engine.Check = func(ctx context.Context, req bot.Request, target string) (bot.Reply, error) {
		tg, err := probe.ParseTarget(l.Addr().String(), false)
		if err != nil {
			return bot.Reply{}, err
		}
		o := probe.Options{Policy: &probe.Policy{AllowPrivate: true}, Timeout: 5 * time.Second, WaitTimeout: 2 * time.Second,
			Progress: func(st probe.Result) { req.Progress(probe.ResultLine(st)) }}
		rep, err := probe.Run(ctx, tg, o)
		if err != nil {
			return bot.Reply{}, err
		}
		return rep.Reply(nil), nil
	}
	body := `{"type":2,"id":"1","application_id":"A1","token":"tok","member":{"user":{"id":"U1","username":"ada"}},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"check ftp.example.com"}]}}`
	if status, out := post(t, s.request(t, srv.URL+"/discord/interactions", []byte(body), time.Now())); status != 200 || out["type"] != float64(5) {
		t.Fatalf("status %d, %v; want a deferred response", status, out)
	}
	a.workers.Wait()
	var progress []string
	for _, c := range rec.Calls() {
		if content, _ := c.Body["content"].(string); strings.HasPrefix(content, "⏳") {
			progress = append(progress, content)
		}
	}
	found := false
	for _, p := range progress {
		if !strings.Contains(p, "Official") {
			continue
		}
		found = true
		for _, bad := range []string{"**Official**", "](https://", "@everyone", "<@123>", "`x`", "~~y~~"} {
			if strings.Contains(p, bad) {
				t.Errorf("a progress edit shows the server's %q as markdown:\n%s", bad, p)
			}
		}
	}
	if !found {
		t.Fatalf("no progress edit carried the greeting: %q", progress)
	}
}

// failingTransport fails every request the way a network error does: net/http then reports
// the URL, and a follow-up's URL carries the interaction token.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}

// TestFailedFollowUpLogsNoToken: when a deferred answer or a progress edit cannot be delivered,
// the log says so without the interaction token, which is a bearer credential for 15 minutes.
func TestFailedFollowUpLogsNoToken(t *testing.T) {
	const token = "aW50ZXJhY3Rpb246c2VjcmV0LXRva2Vu"
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := bottest.Engine(t)
	e.Check = func(ctx context.Context, req bot.Request, target string) (bot.Reply, error) {
		req.Progress("step one")
		return bot.Reply{Kind: bot.KindProbe, Title: "Check of " + target, Summary: "healthy"}, nil
	}
	s := newSigner(t)
	a, err := New(Options{Mode: "http", PublicKey: hex.EncodeToString(s.pub), Engine: e, Health: &bot.Health{}, Log: log, Transport: failingTransport{}})
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	body := `{"type":2,"id":"1","application_id":"A1","token":"` + token + `","member":{"user":{"id":"U1","username":"ada"}},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"check ftp.example.com"}]}}`
	a.Routes()["POST /discord/interactions"].ServeHTTP(rr, s.request(t, "http://127.0.0.1/discord/interactions", []byte(body), time.Now()))
	a.workers.Wait()
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "failed") {
		t.Fatalf("no failure was logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log carries the interaction token:\n%s", logs.String())
	}
}

// TestFailedGatewayResponseLogsNoToken: the gateway's interaction responses (and its busy
// replies) go to a URL with the token in it too.
func TestFailedGatewayResponseLogsNoToken(t *testing.T) {
	const token = "Z2F0ZXdheS1pbnRlcmFjdGlvbi10b2tlbg"
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(Options{Mode: "gateway", BotToken: "tkn", ApplicationID: "111", MaxConcurrent: 1, Engine: bottest.Engine(t), Health: &bot.Health{}, Log: log, Transport: failingTransport{}})
	if err != nil {
		t.Fatal(err)
	}
	var i discordgo.Interaction
	if err := json.Unmarshal([]byte(`{"type":2,"id":"I1","application_id":"111","token":"`+token+`","user":{"id":"U1","username":"ada"},"data":{"id":"c","name":"ftp","type":1,"options":[{"name":"query","type":3,"value":"530"}]}}`), &i); err != nil {
		t.Fatal(err)
	}
	a.gatewayInteraction(&i)
	a.workers.Wait()
	release := make(chan struct{})
	a.workers.TryGo(time.Minute, func(context.Context) { <-release }) // the one worker is busy: the next one gets the busy reply
	defer close(release)
	a.gatewayInteraction(&i)
	a.busyWorkers.Wait()
	mu.Lock()
	defer mu.Unlock()
	if strings.Count(logs.String(), "failed") < 2 {
		t.Fatalf("want both failures logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log carries the interaction token:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
