package knowledge

// ParseReplyLine reads an FTP reply line as a server sends it: three digits, then a space (the last
// or only line) or a hyphen (the first line of a multi-line reply), then text. "530 Login incorrect."
// gives (530, "Login incorrect.", true); "211-Features:" gives (211, "Features:", true). Socket error
// numbers are not reply lines and do not parse here.
func ParseReplyLine(line string) (code Code, text string, ok bool) {
	if len(line) < 3 {
		return 0, "", false
	}
	n := 0
	for i := 0; i < 3; i++ {
		c := line[i]
		if c < '0' || c > '9' {
			return 0, "", false
		}
		n = n*10 + int(c-'0')
	}
	if n < 100 || n > 699 {
		return 0, "", false
	}
	switch {
	case len(line) == 3:
		return Code(n), "", true
	case line[3] == ' ' || line[3] == '-':
		return Code(n), trimSpace(line[4:]), true
	}
	return 0, "", false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}
