// Package signtest signs test requests the way Slack and Discord sign theirs, so tests of the
// adapters and of the whole server send exactly what the platforms send:
//
//	req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
//	signtest.SignSlack(req, secret, time.Now(), []byte(body))
package signtest

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
)

// Slack returns Slack's v0 signature of body sent at the Unix timestamp ts: "v0=" and the hex
// HMAC-SHA256, keyed with the signing secret, of "v0:" + ts + ":" + body.
func Slack(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SignSlack sets the X-Slack-Request-Timestamp and X-Slack-Signature headers of r for body sent
// at the Unix time unix.
func SignSlack(r *http.Request, secret string, unix int64, body []byte) {
	ts := strconv.FormatInt(unix, 10)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", Slack(secret, ts, body))
}

// Discord returns Discord's signature of body sent at the Unix timestamp ts: the hex Ed25519
// signature of ts + body.
func Discord(key ed25519.PrivateKey, ts string, body []byte) string {
	return hex.EncodeToString(ed25519.Sign(key, append([]byte(ts), body...)))
}

// SignDiscord sets the X-Signature-Timestamp and X-Signature-Ed25519 headers of r for body sent
// at the Unix time unix.
func SignDiscord(r *http.Request, key ed25519.PrivateKey, unix int64, body []byte) {
	ts := strconv.FormatInt(unix, 10)
	r.Header.Set("X-Signature-Timestamp", ts)
	r.Header.Set("X-Signature-Ed25519", Discord(key, ts, body))
}
