package slack

import (
	"strings"
	"testing"
)

// TestNewChecksAPIURL: the adapter refuses a Web API URL that would send the bot token in the
// clear, and takes Slack's, GovSlack's or a loopback fake's.
func TestNewChecksAPIURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"", true},
		{DefaultAPIURL, true},
		{"https://slack-gov.com/api/", true},
		{"http://127.0.0.1:1234/", true},
		{"http://slack.example.com/api/", false},
		{"http://127.0.0.2.example.com/api/", false},
		{"javascript:alert(1)", false},
	}
	for _, tt := range tests {
		_, err := New(Options{Mode: "http", SigningSecret: testSecret, BotToken: "xoxb-test", APIURL: tt.url, Engine: testEngine(t)})
		if (err == nil) != tt.ok {
			t.Errorf("New(APIURL %q) = %v, want ok %v", tt.url, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "slack.api_url") {
			t.Errorf("New(APIURL %q) = %v, want the key named", tt.url, err)
		}
	}
}
