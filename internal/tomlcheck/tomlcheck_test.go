package tomlcheck

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration", b)
	}
	d.Duration = v
	return nil
}

type login struct {
	User string `toml:"user"`
}

type config struct {
	Server struct {
		Listen  string   `toml:"listen"`
		Verbose bool     `toml:"verbose"`
		Timeout duration `toml:"timeout"`
	} `toml:"server"`
	Ports    []int            `toml:"ports"`
	Logins   map[string]login `toml:"logins"`
	Internal string           `toml:"-"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string
	}{
		{"valid", "ports = [21]\n[server]\nlisten = \"x\"\ntimeout = \"5s\"\n[logins.a]\nuser = \"u\"\n", nil},
		{"unknown key with a suggestion", "[server]\nlisen = \"x\"\n", []string{"server.lisen is not a key ftpbot knows (did you mean listen?)."}},
		{"unknown key, nothing close", "[server]\ncolour = \"red\"\n", []string{"server.colour is not a key ftpbot knows."}},
		{"an unknown table is one problem", "[sever]\nlisten = \"x\"\nverbose = true\n", []string{"sever is not a key ftpbot knows (did you mean server?)."}},
		{"a field without a tag name is not a key", "Internal = \"x\"\n", []string{"Internal is not a key ftpbot knows."}},
		{"unknown key in a map of tables", "[logins.a]\nuser = \"u\"\nusr = \"v\"\n", []string{"logins.a.usr is not a key ftpbot knows (did you mean user?)."}},
		{"every wrong type at once, sorted by key", "ports = \"21\"\n[server]\nverbose = \"yes\"\nlisten = 8080\ntimeout = 5\n",
			[]string{
				`ports must be a list like [21, 990], not a string.`,
				`server.listen must be a string in quotes, not a number.`,
				`server.timeout must be a duration in quotes, like "20s", not a number.`,
				`server.verbose must be true or false, not a string.`,
			}},
		{"a bad text value", "[server]\ntimeout = \"soon\"\n", []string{`server.timeout must be a duration like "20s", not a string.`}},
		{"a list of the wrong elements", "ports = [\"a\"]\n", []string{"ports must be a list of a whole numbers, not a list."}},
		{"a map value that is not a table", "[logins]\na = 5\n", []string{"logins.a must be a table."}},
		{"unknown keys and wrong types together", "verbose = 1\n[server]\nverbose = 1\n",
			[]string{"server.verbose must be true or false, not a number.", "verbose is not a key ftpbot knows."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			_, got, err := Decode(tt.toml, &c)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%q) problems (-want +got):\n%s", tt.toml, diff)
			}
		})
	}
}

// What is well-formed is still decoded when other keys have problems, and the metadata says
// which keys the document wrote, even those with a wrong type.
func TestDecodeKeepsTheRest(t *testing.T) {
	var c config
	md, problems, err := Decode("ports = [21, 990]\n[server]\nlisten = \"127.0.0.1:1\"\nverbose = \"yes\"\ntimeout = \"3s\"\n[logins.a]\nuser = \"u\"\n", &c)
	if err != nil || len(problems) != 1 {
		t.Fatalf("Decode = %v, %v; want one problem", problems, err)
	}
	if c.Server.Listen != "127.0.0.1:1" || c.Server.Timeout.Duration != 3*time.Second || !cmp.Equal(c.Ports, []int{21, 990}) || c.Logins["a"].User != "u" {
		t.Errorf("decoded %+v", c)
	}
	for _, key := range []toml.Key{{"server", "verbose"}, {"server", "listen"}, {"logins", "a", "user"}} {
		if !md.IsDefined(key...) {
			t.Errorf("IsDefined(%s) = false", key)
		}
	}
	if md.IsDefined("server", "timeoutx") {
		t.Error("IsDefined of an absent key")
	}
}

func TestDecodeSyntaxError(t *testing.T) {
	var c config
	_, problems, err := Decode("[server\n", &c)
	var pe toml.ParseError
	if !errors.As(err, &pe) || problems != nil {
		t.Errorf("Decode = %v, %v; want a toml.ParseError and no problems", problems, err)
	}
}
