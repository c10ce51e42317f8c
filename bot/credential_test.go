package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ftpbot/ftpbot/bot"
)

// TestCarriesCredential: every shape in which users paste a password is recognised, and the
// lines around a failure that carry none are not.
func TestCarriesCredential(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{`    ftp.login("bob", "hunter2")`, true},
		{`    ftp.login(user, pw)`, true},
		{`    ftp.login(os.environ["FTP_USER"], os.environ["FTP_PASS"])`, true},
		{`	if err := c.Login("bob", "hunter2"); err != nil {`, true},
		{`    ftps = FTP_TLS(host, user="bob", passwd="hunter2")`, true},
		{`    ftp = ftplib.FTP("ftp.example.com", "bob", "hunter2")`, true},
		{`    ftp = FTP_TLS(host="h", password='hunter2')`, true},
		{`session = connect(host, pass="hunter2")`, true},
		{`wget -d --ftp-user=bob --ftp-password=hunter2 ftp://h/f`, true},
		{`> PASS hunter2`, true},
		{`Command:	PASS ********`, true},
		{`*cmd* 'PASS **********'`, true},
		{`--> ACCT billing`, true},
		{`curl -v ftp://bob:hunter2@ftp.example.com/file.txt`, true},
		{`lftp ftp://bob:hunter2@127.0.0.1`, true},
		{`$ curl -v -u bob:hunter2 ftp://ftp.example.com/`, true},
		{`curl -u 'bob:hunter2' --ssl-reqd ftp://h/`, true},
		{`curl -ubob:hunter2 ftp://h/`, true},
		{`lftp -u bob,hunter2 -e "ls; bye" ftp.example.com`, true},
		{`lftp -d -e 'open -u bob,hunter2 h; ls'`, true},
		{`curl --user bob:hunter2 ftp://h/`, true},
		{`curl --user=bob:hunter2 ftp://h/`, true},

		{`ftplib.error_perm: 530 Login incorrect.`, false},
		{`    ftp.login()`, false},
		{`    ftp.login("anonymous")`, false},
		{`    ftp = ftplib.FTP("ftp.example.com")`, false},
		{`< 331 Please specify the password.`, false},
		{`Response:	331 Password required for bob`, false},
		{`Command:	PASV`, false},
		{`> USER bob`, false},
		{`curl -v ftp://ftp.example.com/file.txt`, false},
		{`curl -v ftp://bob@ftp.example.com/file.txt`, false},
		{`lftp -u bob ftp.example.com`, false},
		{`curl -A x --user-agent "Mozilla/5.0 (X11; Linux)" ftp://h/`, false},
		{`500 OOPS: vsftpd: refusing to run with writable root inside chroot()`, false},
		{`ls: Login failed: 530 Login incorrect.`, false},
		{`set ftp:passive-mode on`, false},
	}
	for _, tc := range tests {
		if got := bot.CarriesCredential(tc.line); got != tc.want {
			t.Errorf("CarriesCredential(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// TestEvidenceLeavesOutCredentials: a line that carries a password is left out of the answer's
// evidence wherever the evidence comes from (a traceback's own call, a log's command lines, a
// pasted command line, a single line), and nowhere else in the answer either.
func TestEvidenceLeavesOutCredentials(t *testing.T) {
	tests := []struct {
		name, text string
	}{
		{"traceback login call", `Traceback (most recent call last):
  File "/home/bob/upload.py", line 12, in <module>
    ftp.login("bob", "hunter2")
  File "/usr/lib/python3.11/ftplib.py", line 412, in login
    resp = self.sendcmd('PASS ' + passwd)
  File "/usr/lib/python3.11/ftplib.py", line 281, in sendcmd
    return self.getresp()
  File "/usr/lib/python3.11/ftplib.py", line 254, in getresp
    raise error_perm(resp)
ftplib.error_perm: 530 Login incorrect.`},
		{"traceback FTP_TLS keywords", `Traceback (most recent call last):
  File "/srv/sync.py", line 8, in <module>
    ftps = FTP_TLS("ftp.example.com", user="bob", passwd="hunter2")
  File "/usr/lib/python3.11/ftplib.py", line 738, in __init__
    super().__init__(host, user, passwd, acct,
  File "/usr/lib/python3.11/ftplib.py", line 121, in __init__
    self.login(user, passwd, acct)
  File "/usr/lib/python3.11/ftplib.py", line 412, in login
    resp = self.sendcmd('PASS ' + passwd)
  File "/usr/lib/python3.11/ftplib.py", line 254, in getresp
    raise error_perm(resp)
ftplib.error_perm: 530 Non-anonymous sessions must use encryption.`},
		{"raw log PASS", "< 220 (vsFTPd 3.0.3)\n> USER bob\n< 331 Please specify the password.\n> PASS hunter2\n< 530 Login incorrect."},
		{"raw log ACCT", "< 220 ready\n> USER bob\n< 331 Password required\n> PASS hunter2\n< 332 Need account\n> ACCT hunter2\n< 530 Not logged in."},
		{"curl command and log", "$ curl -v -u bob:hunter2 ftp://ftp.example.com/x\n< 220 (vsFTPd 3.0.3)\n> USER bob\n< 331 Please specify the password.\n> PASS hunter2\n< 530 Login incorrect.\ncurl: (67) Access denied: 530"},
		{"curl URL with password", "curl: (67) Access denied: 530 ftp://bob:hunter2@ftp.example.com/"},
		{"lftp -u", "lftp -u bob,hunter2 ftp.example.com\nls: Login failed: 530 Login incorrect."},
		{"single reply with URL", "530 Login incorrect for ftp://bob:hunter2@ftp.example.com"},
		{"line led by its failure", "curl -u bob:hunter2 ftp://h/ gives 500 OOPS: vsftpd: refusing to run with writable root inside chroot()"},
		{"TLS line with URL", "ftp://bob:hunter2@h: 425 Unable to build data connection: TLS session of data connection not resumed."},
	}
	e := engine(t)
	for _, tc := range tests {
		r := e.Handle(context.Background(), bot.Request{Text: tc.text})
		for _, l := range r.Evidence {
			if bot.CarriesCredential(l) || strings.Contains(l, "hunter2") {
				t.Errorf("%s: evidence %q carries the password", tc.name, l)
			}
		}
		c := r.Card()
		for _, s := range append(append([]string{c.Title, c.Meaning}, c.Evidence...), c.FirstSteps...) {
			if strings.Contains(s, "hunter2") {
				t.Errorf("%s: card %q shows the password", tc.name, s)
			}
		}
		if strings.Contains(flatten(r), "hunter2") {
			t.Errorf("%s: the answer shows the password:\n%s", tc.name, flatten(r))
		}
	}
}
