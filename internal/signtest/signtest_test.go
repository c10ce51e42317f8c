package signtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"
)

// Slack's documented signing example (docs: "Verifying requests from Slack").
func TestSlackVector(t *testing.T) {
	const (
		secret = "8f742231b10e8888abcd99yyyzzz85a5"
		ts     = "1531420618"
		body   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		want   = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	)
	if got := Slack(secret, ts, []byte(body)); got != want {
		t.Errorf("Slack(…) = %s, want %s", got, want)
	}
	r := httptest.NewRequest("POST", "/slack/commands", strings.NewReader(body))
	SignSlack(r, secret, 1531420618, []byte(body))
	if r.Header.Get("X-Slack-Request-Timestamp") != ts || r.Header.Get("X-Slack-Signature") != want {
		t.Errorf("SignSlack set %v", r.Header)
	}
}

func TestDiscordVerifies(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":1}`)
	r := httptest.NewRequest("POST", "/discord/interactions", strings.NewReader(string(body)))
	SignDiscord(r, priv, 1700000000, body)
	sig, err := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
	if err != nil || r.Header.Get("X-Signature-Timestamp") != "1700000000" {
		t.Fatalf("SignDiscord set %v", r.Header)
	}
	if !ed25519.Verify(pub, []byte("1700000000"+string(body)), sig) {
		t.Error("the signature does not verify over timestamp+body")
	}
	if ed25519.Verify(pub, []byte("1700000001"+string(body)), sig) {
		t.Error("the signature verifies for another timestamp")
	}
}
