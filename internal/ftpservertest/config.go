package ftpservertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// configure writes the kind's configuration for the current port and returns the command line.
func (s *Server) configure() ([]string, error) {
	switch s.Software {
	case VSFTPD:
		return s.configureVSFTPD()
	case ProFTPD:
		return s.configureProFTPD()
	case PureFTPd:
		return s.configurePureFTPd()
	}
	return nil, fmt.Errorf("unknown kind %q", s.Software)
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

// configureVSFTPD: vsftpd 3.0.3 in standalone foreground mode (listen=YES, background=NO).
//
// Anonymous sessions run as the user named by ftp_username; vsftpd's privileged session process
// chdirs to that user's home, so it must exist: in the namespace the ftp user's home is Dir. The test
// login is a system user that exists only in the namespace's /etc/passwd, checked by pam_unix through
// the namespace's own /etc/pam.d/vsftpd. (A PAM module that forks, such as pam_exec, deadlocks
// vsftpd: its SIGCHLD handler waits for a child PAM has already reaped.)
func (s *Server) configureVSFTPD() ([]string, error) {
	o := s.Options
	empty := filepath.Join(s.tmp, "empty") // secure_chroot_dir: empty, not writable by the ftp user
	if err := os.MkdirAll(empty, 0o755); err != nil {
		return nil, err
	}
	logFile := filepath.Join(s.tmp, "vsftpd.log")
	s.logFiles = []string{logFile}
	ftpName := "ftp"
	useNS := namespaces()
	if !useNS {
		u, _ := hostFTPUser()
		ftpName = u.name
	}
	lines := []string{
		"# Written by ftpservertest for one test.",
		"listen=YES",
		"listen_ipv6=NO",
		"background=NO",
		"listen_address=" + s.Host,
		"listen_port=" + strconv.Itoa(s.Port),
		// The seccomp sandbox kills sessions in some containers; the chroot still applies.
		"seccomp_sandbox=NO",
		"secure_chroot_dir=" + empty,
		"nopriv_user=nobody",
		"vsftpd_log_file=" + logFile,
		"xferlog_enable=YES",
		"log_ftp_protocol=YES",
		"syslog_enable=NO",
		"use_localtime=NO",
		"anonymous_enable=" + yesNo(o.Anonymous),
		"ftp_username=" + ftpName,
		"anon_root=" + s.Dir,
		"anon_umask=022",
		"write_enable=" + yesNo(o.AnonUpload || o.User != ""),
		"anon_upload_enable=" + yesNo(o.AnonUpload),
		"anon_mkdir_write_enable=" + yesNo(o.AnonUpload),
		"anon_other_write_enable=" + yesNo(o.AnonUpload),
		"local_enable=" + yesNo(o.User != ""),
		"local_umask=022",
		"pam_service_name=vsftpd",
		"chroot_local_user=YES",
		"allow_writeable_chroot=" + yesNo(!o.StrictChroot),
		"pasv_enable=YES",
		"port_enable=YES",
		"connect_from_port_20=NO",
	}
	if o.User != "" {
		lines = append(lines, "local_root="+s.Dir)
	}
	if o.PasvAddress != "" {
		lines = append(lines, "pasv_address="+o.PasvAddress, "pasv_addr_resolve=NO")
	}
	if o.PasvPorts != [2]int{} {
		lines = append(lines, "pasv_min_port="+strconv.Itoa(o.PasvPorts[0]), "pasv_max_port="+strconv.Itoa(o.PasvPorts[1]))
	}
	if o.MaxClients > 0 {
		lines = append(lines, "max_clients="+strconv.Itoa(o.MaxClients))
	}
	if o.Banner != "" {
		lines = append(lines, "ftpd_banner="+o.Banner)
	}
	if o.IdleTimeout > 0 {
		lines = append(lines, "idle_session_timeout="+strconv.Itoa(int(o.IdleTimeout/time.Second)))
	}
	if o.TLS {
		lines = append(lines,
			"ssl_enable=YES",
			"rsa_cert_file="+filepath.Join(s.tmp, "cert.pem"),
			"rsa_private_key_file="+filepath.Join(s.tmp, "key.pem"),
			"allow_anon_ssl=YES",
			"implicit_ssl="+yesNo(o.ImplicitTLS),
			"force_local_logins_ssl="+yesNo(o.RequireTLS),
			"force_local_data_ssl="+yesNo(o.RequireTLS),
			"force_anon_logins_ssl="+yesNo(o.RequireTLS),
			"force_anon_data_ssl="+yesNo(o.RequireTLS),
			// Clients that do not resume the control session's TLS session on data connections
			// (Go's, curl's without a cache) would otherwise get "522 SSL connection failed".
			"require_ssl_reuse="+yesNo(o.RequireTLSReuse),
			"ssl_tlsv1=YES",
			"ssl_sslv2=NO",
			"ssl_sslv3=NO",
			// vsftpd 3.0.3's default cipher list is DES-CBC3-SHA, which modern clients refuse.
			"ssl_ciphers=HIGH",
			"debug_ssl=YES",
		)
	}
	conf := filepath.Join(s.tmp, "vsftpd.conf")
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	argv := []string{Binary(VSFTPD), conf}
	if !useNS {
		return argv, nil
	}
	var extra []string
	if o.User != "" {
		hash, err := cryptPassword(o.Password)
		if err != nil {
			return nil, err
		}
		// The hash sits in the passwd field itself, which pam_unix accepts when it is not "x".
		extra = append(extra, fmt.Sprintf("%s:%s:%d:%d:ftpservertest user:%s:/bin/sh", o.User, hash, userUID, userUID, s.Dir))
	}
	passwd, err := s.passwdWithFTPHome(extra...)
	if err != nil {
		return nil, err
	}
	pamDir := filepath.Join(s.tmp, "pam.d")
	if err := os.MkdirAll(pamDir, 0o755); err != nil {
		return nil, err
	}
	pam := "# ftpservertest: passwords from /etc/passwd (this namespace's copy), nothing else.\n" +
		"auth required pam_unix.so\naccount required pam_permit.so\nsession required pam_permit.so\n"
	if err := os.WriteFile(filepath.Join(pamDir, "vsftpd"), []byte(pam), 0o644); err != nil {
		return nil, err
	}
	return s.namespaceCommand([][2]string{{passwd, "/etc/passwd"}, {pamDir, "/etc/pam.d"}}, argv)
}

// configureProFTPD: ProFTPD 1.3.8 standalone in the foreground (-n). Users come only from the
// kit's AuthUserFile (AuthOrder mod_auth_file.c), so no system account can log in; the anonymous
// user "ftp" is an entry there too, with Dir as its home.
func (s *Server) configureProFTPD() ([]string, error) {
	o := s.Options
	u := ftpUser()
	run := filepath.Join(s.tmp, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		return nil, err
	}
	sysLog := filepath.Join(s.tmp, "proftpd.log")
	cmdLog := filepath.Join(s.tmp, "commands.log")
	xferLog := filepath.Join(s.tmp, "xfer.log")
	tlsLog := filepath.Join(s.tmp, "tls.log")
	s.logFiles = []string{sysLog, cmdLog, xferLog}

	users := fmt.Sprintf("ftp:*:%d:%d:ftpservertest anonymous:%s:/usr/sbin/nologin\n", u.uid, u.gid, s.Dir)
	if o.User != "" {
		hash, err := cryptPassword(o.Password)
		if err != nil {
			return nil, err
		}
		users += fmt.Sprintf("%s:%s:%d:%d:ftpservertest user:%s:/bin/sh\n", o.User, hash, userUID, userUID, s.Dir)
	}
	passwd, group := filepath.Join(s.tmp, "ftpd.passwd"), filepath.Join(s.tmp, "ftpd.group")
	if err := os.WriteFile(passwd, []byte(users), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(group, []byte(fmt.Sprintf("ftp:x:%d:\n", u.gid)), 0o600); err != nil {
		return nil, err
	}

	var c strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&c, format+"\n", args...) }
	p("# Written by ftpservertest for one test.")
	p("ServerType standalone")
	p("ServerName %q", "ftpservertest")
	p("ServerAdmin root@127.0.0.1")
	p("DefaultServer on")
	p("DefaultAddress %s", s.Host)
	p("Port %d", s.Port)
	p("SocketBindTight on")
	p("UseIPv6 off")
	// No User/Group: the listening process stays root, so the parent-death signal the kit sets
	// still reaches it if the test process dies (changing uid would clear it). Sessions still run as
	// the logged-in user.
	p("Umask 022")
	p("ModulePath %s", moduleDir())
	p("PidFile %s", filepath.Join(run, "proftpd.pid"))
	p("ScoreboardFile %s", filepath.Join(run, "proftpd.scoreboard"))
	p("DelayTable none")
	p("WtmpLog off")
	p("UseReverseDNS off")
	p("SystemLog %s", sysLog)
	p("TransferLog %s", xferLog)
	p("LogFormat commands \"%%t %%a %%u: %%r -> %%s\"")
	p("ExtendedLog %s ALL commands", cmdLog)
	p("AuthOrder mod_auth_file.c")
	p("AuthUserFile %s", passwd)
	p("AuthGroupFile %s", group)
	p("RequireValidShell off")
	p("DefaultRoot ~")
	p("AllowOverwrite on")
	p("<Limit SITE_CHMOD>\n  AllowAll\n</Limit>")
	if o.PasvAddress != "" {
		p("MasqueradeAddress %s", o.PasvAddress)
	}
	if o.PasvPorts != [2]int{} {
		p("PassivePorts %d %d", o.PasvPorts[0], o.PasvPorts[1])
	}
	if o.MaxClients > 0 {
		p("MaxClients %d", o.MaxClients)
	}
	if o.Banner != "" {
		p("ServerIdent on %q", o.Banner)
	}
	if o.IdleTimeout > 0 {
		p("TimeoutIdle %d", int(o.IdleTimeout/time.Second))
	}
	if o.TLS {
		p("LoadModule mod_tls.c")
		p("<IfModule mod_tls.c>")
		p("  TLSEngine on")
		p("  TLSLog %s", tlsLog)
		p("  TLSProtocol TLSv1.2 TLSv1.3")
		p("  TLSRSACertificateFile %s", filepath.Join(s.tmp, "cert.pem"))
		p("  TLSRSACertificateKeyFile %s", filepath.Join(s.tmp, "key.pem"))
		p("  TLSVerifyClient off")
		p("  TLSRequired %s", map[bool]string{true: "on", false: "off"}[o.RequireTLS])
		// Without NoSessionReuseRequired, data connections that do not resume the control
		// connection's TLS session are refused.
		var opts []string
		if !o.RequireTLSReuse {
			opts = append(opts, "NoSessionReuseRequired")
		}
		if o.ImplicitTLS {
			opts = append(opts, "UseImplicitSSL")
		}
		if len(opts) > 0 {
			p("  TLSOptions %s", strings.Join(opts, " "))
		}
		p("</IfModule>")
		s.logFiles = append(s.logFiles, tlsLog)
	}
	if o.Anonymous {
		p("<Anonymous %s>", s.Dir)
		p("  User ftp")
		p("  Group ftp")
		p("  UserAlias anonymous ftp")
		p("  RequireValidShell off")
		if o.AnonUpload {
			p("  <Limit WRITE SITE_CHMOD>\n    AllowAll\n  </Limit>")
		} else {
			p("  <Limit WRITE SITE_CHMOD>\n    DenyAll\n  </Limit>")
		}
		p("</Anonymous>")
	}
	conf := filepath.Join(s.tmp, "proftpd.conf")
	if err := os.WriteFile(conf, []byte(c.String()), 0o600); err != nil {
		return nil, err
	}
	return []string{Binary(ProFTPD), "-n", "-q", "-c", conf}, nil
}

// configurePureFTPd: Pure-FTPd 1.0.50 with command-line options (it does not daemonize unless -B).
//
// Anonymous FTP serves the home of the system user ftp, so the server runs in a private mount
// namespace whose /etc/passwd gives ftp the home Dir. The test login is a virtual user in a PureDB
// file made with pure-pw mkdb from a passwd line the kit writes (with a SHA-512 crypt hash: pure-pw's
// own argon2 hashes take seconds to check).
func (s *Server) configurePureFTPd() ([]string, error) {
	o := s.Options
	xferLog := filepath.Join(s.tmp, "transfer.log")
	s.logFiles = []string{xferLog}
	argv := []string{Binary(PureFTPd),
		"-S", s.Host + "," + strconv.Itoa(s.Port),
		"-H",      // no reverse DNS
		"-A",      // chroot everyone
		"-u", "1", // let the virtual user's uid log in
		"-g", filepath.Join(s.tmp, "pure-ftpd.pid"),
		"-O", "clf:" + xferLog,
	}
	if !o.Anonymous {
		argv = append(argv, "-E")
	}
	if o.Anonymous && !o.AnonUpload {
		argv = append(argv, "-i")
	}
	if o.AnonUpload {
		argv = append(argv, "-M")
	}
	if o.PasvAddress != "" {
		argv = append(argv, "-P", o.PasvAddress)
	}
	if o.PasvPorts != [2]int{} {
		argv = append(argv, "-p", fmt.Sprintf("%d:%d", o.PasvPorts[0], o.PasvPorts[1]))
	}
	if o.MaxClients > 0 {
		argv = append(argv, "-c", strconv.Itoa(o.MaxClients))
	}
	if o.IdleTimeout > 0 {
		argv = append(argv, "-I", strconv.Itoa(int(o.IdleTimeout/time.Minute)))
	}
	if o.Banner != "" {
		// A "fortunes" file: Pure-FTPd greets with one of its lines instead of its welcome text.
		f := filepath.Join(s.tmp, "banner.txt")
		if err := os.WriteFile(f, []byte(o.Banner+"\n"), 0o644); err != nil {
			return nil, err
		}
		argv = append(argv, "-F", f)
	}
	if o.TLS {
		// -Y 1: TLS allowed; -Y 3: required on the control and the data connections.
		level := "1"
		if o.RequireTLS {
			level = "3"
		}
		argv = append(argv, "-Y", level, "-2", filepath.Join(s.tmp, "server.pem"))
	}
	if o.User != "" {
		hash, err := cryptPassword(o.Password)
		if err != nil {
			return nil, err
		}
		txt, pdb := filepath.Join(s.tmp, "pureftpd.passwd"), filepath.Join(s.tmp, "pureftpd.pdb")
		// The "/./" ends the chroot: the user is locked into Dir.
		line := fmt.Sprintf("%s:%s:%d:%d::%s/./::::::::::::\n", o.User, hash, userUID, userUID, s.Dir)
		if err := os.WriteFile(txt, []byte(line), 0o600); err != nil {
			return nil, err
		}
		if out, err := exec.Command(pureBin("pure-pw"), "mkdb", pdb, "-f", txt).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("pure-pw mkdb: %v: %s", err, out)
		}
		argv = append(argv, "-l", "puredb:"+pdb)
	}
	if !o.Anonymous {
		return argv, nil
	}
	passwd, err := s.passwdWithFTPHome()
	if err != nil {
		return nil, err
	}
	return s.namespaceCommand([][2]string{{passwd, "/etc/passwd"}}, argv)
}
