package slack

import (
	"bytes"
	"encoding/json"
	"strings"
	"text/template"

	"github.com/ftpbot/ftpbot/bot"
)

// The message shortcut, as the manifest creates it.
const (
	ShortcutName       = "Explain FTP error"
	ShortcutCallbackID = "explain_ftp_error"
)

// BotScopes are the bot token scopes the manifest asks for, each with why ftpbot needs it. The
// README's table is the same list.
var BotScopes = []struct{ Scope, Why string }{
	{"commands", "the /ftp slash command and the Explain FTP error message shortcut"},
	{"app_mentions:read", "receive @ftpbot mentions in channels and threads"},
	{"chat:write", "post answers in the thread where ftpbot was mentioned or the shortcut used"},
	{"chat:write.public", "post a shortcut's answer in a public channel ftpbot has not joined"},
	{"channels:history", "read the thread ftpbot is mentioned in, or its shortcut used in, in public channels"},
	{"groups:history", "the same in private channels ftpbot was invited to"},
	{"im:history", "the same in direct messages with ftpbot"},
	{"mpim:history", "the same in group direct messages ftpbot is in"},
}

// BotEvents are the events the manifest subscribes to.
var BotEvents = []string{"app_home_opened", "app_mention"}

// SlashCommandText returns the slash command's description and usage hint, derived from the
// bot's command registry, so the manifest, help and the Discord command say the same thing.
func SlashCommandText() (description, usageHint string) {
	var forms []string
	for _, c := range bot.Commands() {
		if c.Name == "ask" {
			description = c.Summary
			forms = append(forms, c.Usage)
			continue
		}
		f := c.Name
		if c.Usage != "" {
			f += " " + c.Usage
		}
		forms = append(forms, f)
	}
	return description, "[" + strings.Join(forms, " | ") + "] [public]"
}

var manifestTmpl = template.Must(template.New("manifest").Funcs(template.FuncMap{"q": quote}).Parse(
	`# ftpbot's Slack app manifest. Create the app in one paste: https://api.slack.com/apps →
# Create New App → From an app manifest → pick the workspace → paste this file.
# This file is generated from the bot's command registry (adapters/slack/manifest.go); after
# changing a command, run: go test ./adapters/slack -update
#
# It sets the app up for Socket Mode (no public URL needed). For HTTP mode, set
# socket_mode_enabled to false and add request_url lines (see README.md in this directory).
display_information:
  name: ftpbot
  description: {{q "Explains FTP errors: reply codes, client errors, logs and live server checks"}}
  background_color: "#1f2937"
features:
  app_home:
    home_tab_enabled: true
    messages_tab_enabled: false
    messages_tab_read_only_enabled: false
  bot_user:
    display_name: ftpbot
    always_online: true
  slash_commands:
    - command: {{q .Command}}
      description: {{q .Description}}
      usage_hint: {{q .UsageHint}}
      should_escape: false
  shortcuts:
    - name: {{q .ShortcutName}}
      type: message
      callback_id: {{.ShortcutCallbackID}}
      description: {{q "Explain the FTP error, reply codes or log in this message"}}
oauth_config:
  scopes:
    bot:
{{- range .Scopes}}
      # {{.Why}}
      - {{.Scope}}
{{- end}}
settings:
  event_subscriptions:
    bot_events:
{{- range .Events}}
      - {{.}}
{{- end}}
  interactivity:
    is_enabled: true
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
`))

// quote writes s as a YAML double-quoted scalar (JSON string syntax is a subset of it).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Manifest returns the app manifest (YAML) for a slash command name such as "/ftp".
func Manifest(command string) []byte {
	desc, hint := SlashCommandText()
	var b bytes.Buffer
	err := manifestTmpl.Execute(&b, map[string]any{
		"Command": command, "Description": desc, "UsageHint": hint,
		"ShortcutName": ShortcutName, "ShortcutCallbackID": ShortcutCallbackID,
		"Scopes": BotScopes, "Events": BotEvents,
	})
	if err != nil {
		panic(err) // the template is fixed and its data always fits it
	}
	return b.Bytes()
}
