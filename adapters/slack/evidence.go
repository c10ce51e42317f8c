package slack

import (
	"strings"

	"github.com/ftpbot/ftpbot/bot"
	"github.com/slack-go/slack"
)

// evidenceBlock names the message of a thread that held the decisive evidence, linked to it
// when the link is one Slack can show: ":mag: From <permalink|the message with the server's
// reply>". Nil when the reply did not come from a thread.
//
// This is the minimal line of the thread diagnosis; the card (issue 13) decides where the
// evidence and its source finally go.
func evidenceBlock(r bot.Reply) slack.Block {
	src := r.EvidenceSource
	if src == nil {
		return nil
	}
	label := strings.TrimSpace(src.Label)
	if label == "" {
		label = "this message"
	}
	text := ":mag: Decisive evidence: " + esc(oneLine(label))
	if linkable(src.URL) && len(src.URL) <= maxEvidenceURL && !strings.ContainsAny(src.URL, "|<> ") {
		text = ":mag: Decisive evidence: <" + src.URL + "|" + esc(oneLine(label)) + ">"
	}
	return slack.NewContextBlock("", mrkdwn(cutEscaped(text, maxContextText)))
}

// maxEvidenceURL bounds the permalink put in the evidence line, so the line never needs cutting
// (a cut inside <url|label> would break the markup). Slack's permalinks are about 100 bytes.
const maxEvidenceURL = 1000
