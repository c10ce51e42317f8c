package state_test

import (
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/state"
)

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		name string
		cfg  state.Config
		want []string // one substring per problem; nil means valid
	}{
		{"memory", state.Config{Backend: state.Memory, KeyPrefix: "ftpbot:"}, nil},
		{"redis with a URL", state.Config{Backend: state.Redis, RedisURL: "redis://127.0.0.1:6379/0", KeyPrefix: "ftpbot:"}, nil},
		{"redis with a password", state.Config{Backend: state.Redis, RedisURL: "rediss://u:Hunter2@redis.internal:6380/2"}, nil},
		{"redis without a URL", state.Config{Backend: state.Redis}, []string{"state.redis_url (or FTPBOT_REDIS_URL) is required"}},
		{"unknown backend", state.Config{Backend: "etcd"}, []string{`state.backend must be "memory" or "redis", not "etcd"`}},
		{"not a redis URL", state.Config{Backend: state.Redis, RedisURL: "http://u:Hunter2@h:6379"}, []string{"state.redis_url (or FTPBOT_REDIS_URL) must start with redis://"}},
		{"bad database", state.Config{Backend: state.Redis, RedisURL: "redis://:Hunter2@h:6379/db"}, []string{"state.redis_url (or FTPBOT_REDIS_URL) is not understood"}},
		{"a URL is checked with the memory backend too", state.Config{Backend: state.Memory, RedisURL: "redis://"}, []string{"state.redis_url (or FTPBOT_REDIS_URL) names no host"}},
		{"prefix with a space", state.Config{Backend: state.Memory, KeyPrefix: "ftp bot"}, []string{"state.key_prefix must be"}},
		{"prefix too long", state.Config{Backend: state.Memory, KeyPrefix: strings.Repeat("k", 65)}, []string{"state.key_prefix must be"}},
		{"every problem at once", state.Config{Backend: "etcd", RedisURL: "ftp://h", KeyPrefix: "a\tb"}, []string{"state.backend", "state.redis_url", "state.key_prefix"}},
	}
	for _, tt := range tests {
		got := tt.cfg.Problems()
		if len(got) != len(tt.want) {
			t.Errorf("%s: Problems() = %q, want %d problems", tt.name, got, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: problem %d = %q, want it to say %q", tt.name, i, got[i], w)
			}
			if strings.Contains(got[i], "Hunter2") {
				t.Errorf("%s: problem %q repeats the password", tt.name, got[i])
			}
		}
	}
}
