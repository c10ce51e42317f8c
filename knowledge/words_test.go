package knowledge

import (
	"slices"
	"testing"
)

// TestCodesIn: a number is a reply code only where it stands as one.
func TestCodesIn(t *testing.T) {
	tests := []struct {
		text   string
		codes  []Code
		strong []bool
	}{
		{"530 Login incorrect.", []Code{530}, []bool{true}},
		{`connect ECONNREFUSED 84.16.79.226:21`, nil, nil},
		{`File "/usr/lib/python3.9/ftplib.py", line 212, in getresp`, nil, nil},
		{"227 Entering Passive Mode (192,168,1,10,195,80).", []Code{227}, []bool{true}},
		{"host:2121 and port 990 refused", nil, nil},
		{"a 500 MB file and 200 files", nil, nil},
		{"after upgrading to 2.0.226 it fails", nil, nil},
		{"is 226 good or bad?", []Code{226}, []bool{false}},
		{"I get error 425 on every listing", []Code{425}, []bool{true}},
		{"FTPException: Connection refused.  (Response: 521 PROT P required", []Code{521}, []bool{true}},
		{"upload error=it.sauronsoftware.ftp4j.FTPException [code=425, message= Unable", []Code{425}, []bool{true}},
		{"curl: (67) Access denied: 530", []Code{530}, []bool{true}},
		{"x509: certificate signed by unknown authority", nil, nil},
		{"Windows error 10060 after a while", []Code{10060}, []bool{true}},
	}
	for _, tt := range tests {
		got := CodesIn(tt.text)
		var codes []Code
		var strong []bool
		for _, m := range got {
			codes = append(codes, m.Code)
			strong = append(strong, m.Strong)
		}
		if !slices.Equal(codes, tt.codes) || !slices.Equal(strong, tt.strong) {
			t.Errorf("CodesIn(%q) = %v (strong %v), want %v (strong %v)", tt.text, codes, strong, tt.codes, tt.strong)
		}
	}
}

// TestElsewhere: other protocols' messages are recognised; FTP's, even with the same numbers or
// words, are not.
func TestElsewhere(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table", "smtp"},
		{"S: 550 Failure sending mail. Try again later", "smtp"},
		{"421 Misdirected Request\nApache Server at docs.example.org Port 443", "http"},
		{"mount error(13): Permission denied\nRefer to the mount.cifs(8) manual page", "smb"},
		{"git@github.com: Permission denied (publickey).", "ssh"},
		{"tftp: timeout while fetching pxelinux.0", "tftp"},
		{"sftp: Received message too long 1416128883", "sftp"},
		{"paramiko.ssh_exception.AuthenticationException: Authentication failed.", "sftp"},
		{"530 when I log in with my Gmail address", ""},
		{"550 Permission denied.", ""},
		{"vsftpd: 500 OOPS: cannot change directory", ""},
		{"I upload my website with FileZilla and get 550", ""},
		{"FTP upload of .htaccess fails with 553", ""},
		{"my ftp server relays to smtp.example.com", ""},
		{"version 2.5.1.1 of the client", ""},
		{"Expected response code 250 but got code \"550\", with message \"550 5.7.1 Relaying denied\"", "smtp"},
		{"RCPT TO:<b@example.com>\n554 5.7.1 Relay access denied", "smtp"},
		{"smbclient: NT_STATUS_LOGON_FAILURE", "smb"},
		{"STATUS_ACCESS_DENIED when opening the share with smbj", "smb"},
		{"pysftp.Connection failed: Authentication failed", "sftp"},
		{"sftp://user@host:22 connection refused", "sftp"},
		{"FTP server says 550 1.2.3 is not a version", ""},
	}
	for _, tt := range tests {
		p, ok := b.Elsewhere(tt.text)
		if got := map[bool]string{true: p.ID}[ok]; got != tt.want {
			t.Errorf("Elsewhere(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestAnalyze: word forms meet by stem, synonyms and other languages' terms add the base's
// words, and CJK terms are found inside runs of text without spaces.
func TestAnalyze(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string // terms that must be among the analysed ones
	}{
		{"files are corrupted", []string{"corrupt"}},
		{"corruption after upload", []string{"corrupt"}},
		{"the listing timed out", []string{"timeout"}},
		{"it times out", []string{"timeout"}},
		{"the client is stuck on LIST", []string{"hang"}},
		{"Zeitüberschreitung beim Verbinden", []string{"timeout", "connect"}},
		{"modo pasivo no funciona", []string{"passiv", "mode"}},
		{"Café, naïve façade and Ærøskøbing are plain words", nil},
		{"FTP上传中文文件名乱码", []string{"garbl", "filenam", "encod", "upload"}},
		{"FTP连接超时", []string{"timeout", "connect"}},
		{"ファイル名が文字化けする", []string{"garbl"}},
		{"FTP 연결이 거부되었습니다", []string{"refus", "connect"}},
		{"FTP 수동 모드에서 시간 초과", []string{"passiv", "timeout"}},
		{"кодировка имён файлов", []string{"encod"}},
		{"No such file or directory: 'Ã¤nderungen.txt'", []string{"garbl", "encod"}},
		{`{"name":"è¿ä¸ªç®å½"}`, []string{"garbl", "encod"}},
		{"curl: (7) Failed to connect to host port 21: Verbindungsaufbau abgelehnt", []string{"refus"}},
	}
	for _, tt := range tests {
		terms, _ := b.index.analyze(tt.text)
		for _, w := range tt.want {
			if !slices.Contains(terms, w) {
				t.Errorf("analyze(%q) = %q, want %q among them", tt.text, terms, w)
			}
		}
	}
}

// TestLeadTopic: a line's words lead its code when they name the failure, not otherwise.
func TestLeadTopic(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		code Code
		want string // "" for no lead
	}{
		{"425 Unable to build data connection: TLS session of data connection not resumed", 425, "tls-session-reuse"},
		{"550 SSL/TLS required on the control channel", 550, "explicit-implicit-ftps"},
		{"500 OOPS: vsftpd: refusing to run with writable root inside chroot()", 500, "permissions-chroot"},
		{"227 Entering Passive Mode (0,0,0,0,156,64).", 227, "pasv-epsv-nat"},
		{"227 Entering Passive Mode (10,7,240,136,222,189).", 227, "pasv-epsv-nat"},
		{"227 Entering Passive Mode (203,0,113,5,156,64).", 227, ""},
		{"500 I won't open a connection to 10.28.14.115 (only to 203.0.113.67)", 500, "pasv-epsv-nat"},
		{"534 Policy requires SSL.", 534, ""}, // 534's own step is TLS
		{"530 Login incorrect.", 530, ""},
		{"550 Permission denied. Passive mode refused.", 550, "active-vs-passive"},
		{"550 Permission denied.", 550, ""},
	}
	for _, tt := range tests {
		lm, ok := b.LeadTopic(tt.line, tt.code)
		got := ""
		if ok {
			got = lm.Topic.Slug
		}
		if got != tt.want {
			t.Errorf("LeadTopic(%q, %s) = %q, want %q", tt.line, tt.code, got, tt.want)
		}
	}
}

// TestMojibake: UTF-8 read as Latin-1 or Windows-1252 is recognised; accented words are not.
func TestMojibake(t *testing.T) {
	for text, want := range map[string]bool{
		"Ã¤nderungen.txt":                     true,
		"è¿ä¸ªç®å½":                           true,
		"donâ€™t":                             true,
		"Änderungen, café, naïve, Ærøskøbing": false,
		"plain ascii":                         false,
		"中文文件名":                               false,
	} {
		if got := hasMojibake(text); got != want {
			t.Errorf("hasMojibake(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestSearchInOtherLanguages: questions in the languages of international teams reach the same
// topics as their English forms, however many of their words the base does not know.
func TestSearchInOtherLanguages(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ q, want string }{
		{"Große Dateien brechen nach einigen Minuten ab", "timeouts-keepalive"},
		{"Los archivos grandes fallan después de unos minutos", "timeouts-keepalive"},
		{"FTP上传中文文件名乱码", "filename-encoding"},
		{"No such file or directory: 'Ã¤nderungen.txt'", "filename-encoding"},
		{"large files fail after some minutes", "timeouts-keepalive"},
	}
	for _, tt := range tests {
		ms := b.Search(tt.q, 3)
		if len(ms) == 0 || ms[0].ID != tt.want {
			t.Errorf("Search(%q) = %v, want %s first", tt.q, ms, tt.want)
		}
	}
}
