package bot

import (
	"regexp"
	"strings"
)

// credentialRE finds a line that carries a password or another secret a user typed: the shapes
// in which FTP users paste one along with their error.
var credentialRE = regexp.MustCompile(anyOf(
	// The FTP commands that send one: "PASS hunter2", "> ACCT billing", "*cmd* 'PASS ****'".
	`(?i)\b(?:PASS|ACCT)\s+\S`,
	// A login call with a second argument: ftp.login("bob", "hunter2"), c.Login(user, pw).
	`(?i)\blogin\s*\(.*,`,
	// Python's FTP(host, user, passwd) and FTP_TLS(...): a third positional argument.
	`\bFTP(?:_TLS)?\s*\([^,]*,[^,]*,\s*[^\s)]`,
	// A keyword argument, option or setting: passwd="…", password=…, --ftp-password=…, pass='…',
	// pwd=….
	`(?i)\b(?:passw(?:or)?d|pass|pwd|secret)\s*=\s*\S`,
	// A URL with a password: ftp://bob:hunter2@host/.
	`(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`,
	// A user and password option: curl -u bob:hunter2, lftp -u bob,hunter2, --user bob:hunter2,
	// --user=bob:hunter2, -ubob:hunter2 (but not --user-agent).
	`(?:^|\s)(?:-u|--user)(?:[\s=]+['"]?|['"]?)[^\s'",:@-][^\s'",:@]*[:,][^\s'"]`,
))

// anyOf joins patterns into one that matches where any of them does; each keeps its own flags.
func anyOf(patterns ...string) string {
	return "(?:" + strings.Join(patterns, ")|(?:") + ")"
}

// CarriesCredential reports whether a line of the user's input carries a password or another
// credential: an FTP PASS or ACCT command, a login call with a password argument, a password=
// keyword or option, a URL with user:password@, or a -u/--user option with user:password.
//
// Evidence is quoted verbatim, so such a line is left out of it rather than masked: every place
// that picks evidence lines asks this one predicate, and a chat never echoes a secret.
func CarriesCredential(line string) bool { return credentialRE.MatchString(line) }

// withoutCredentials returns lines without those that carry a credential.
func withoutCredentials(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !CarriesCredential(l) {
			out = append(out, l)
		}
	}
	return out
}
