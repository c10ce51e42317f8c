package slack

import (
	"fmt"

	"github.com/slack-go/slack"
)

// Problems lists every Slack limit a message breaks (see the platform facts): blocks, text
// lengths by Slack's count, element counts, unique action_ids and block_ids, menu options, and
// the block text chat.postMessage accepts. Tests and the budget check use it; an empty list
// means Slack takes the message.
func Problems(m Message) []string { return problems(m, maxBlocks) }

// problems is Problems with a block limit of its own (the Home tab takes 100).
func problems(m Message, maxBlocks int) []string {
	text, blocks := m.Text, m.Blocks
	var p []string
	n := textLen
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if text == "" || n(text) > maxFallbackText {
		bad("fallback text has %d characters", n(text))
	}
	if len(blocks) == 0 || len(blocks) > maxBlocks {
		bad("%d blocks (limit %d)", len(blocks), maxBlocks)
	}
	actionIDs := map[string]bool{}
	blockIDs := map[string]bool{}
	textObj := func(where string, o *slack.TextBlockObject, limit int, wantType string) {
		if o == nil {
			bad("%s: no text", where)
			return
		}
		if wantType != "" && o.Type != wantType {
			bad("%s: text type %q, want %q", where, o.Type, wantType)
		}
		if o.Text == "" || n(o.Text) > limit {
			bad("%s: text of %d characters (limit %d)", where, n(o.Text), limit)
		}
	}
	for i, b := range blocks {
		where := fmt.Sprintf("block %d (%s)", i, b.BlockType())
		id := ""
		switch x := b.(type) {
		case *slack.HeaderBlock:
			textObj(where, x.Text, maxHeaderText, slack.PlainTextType)
			id = x.BlockID
		case *slack.SectionBlock:
			if x.Text == nil && len(x.Fields) == 0 {
				bad("%s: neither text nor fields", where)
			}
			if x.Text != nil {
				textObj(where, x.Text, maxSectionText, "")
			}
			if len(x.Fields) > maxFields {
				bad("%s: %d fields", where, len(x.Fields))
			}
			for _, f := range x.Fields {
				textObj(where+" field", f, maxFieldText, "")
			}
			id = x.BlockID
		case *slack.ContextBlock:
			els := x.ContextElements.Elements
			if len(els) == 0 || len(els) > maxContextElems {
				bad("%s: %d elements", where, len(els))
			}
			for _, el := range els {
				if o, ok := el.(*slack.TextBlockObject); ok {
					textObj(where, o, maxContextText, "")
				}
			}
			id = x.BlockID
		case *slack.ActionBlock:
			if x.Elements == nil || len(x.Elements.ElementSet) == 0 || len(x.Elements.ElementSet) > maxActionElems {
				bad("%s: bad element count", where)
				continue
			}
			for _, el := range x.Elements.ElementSet {
				if sel, ok := el.(*slack.SelectBlockElement); ok {
					if sel.Type != slack.OptTypeStatic || len(sel.Options) == 0 || len(sel.Options) > maxSelectOptions {
						bad("%s: menu of type %q with %d options", where, sel.Type, len(sel.Options))
					}
					if sel.ActionID == "" || len(sel.ActionID) > maxActionID || actionIDs[sel.ActionID] {
						bad("%s: action_id %q empty, too long or used twice", where, sel.ActionID)
					}
					actionIDs[sel.ActionID] = true
					textObj(where+" menu", sel.Placeholder, maxButtonText, slack.PlainTextType)
					values := map[string]bool{}
					for _, o := range sel.Options {
						textObj(where+" option", o.Text, maxOptionText, slack.PlainTextType)
						if o.Value == "" || len(o.Value) > maxOptionValue || values[o.Value] {
							bad("%s: option value %q empty, too long or used twice", where, o.Value)
						}
						values[o.Value] = true
					}
					continue
				}
				btn, ok := el.(*slack.ButtonBlockElement)
				if !ok {
					bad("%s: element %T", where, el)
					continue
				}
				textObj(where+" button", btn.Text, maxButtonText, slack.PlainTextType)
				if btn.ActionID == "" || len(btn.ActionID) > maxActionID || actionIDs[btn.ActionID] {
					bad("%s: action_id %q empty, too long or used twice", where, btn.ActionID)
				}
				actionIDs[btn.ActionID] = true
				if n(btn.Value) > maxButtonValue {
					bad("%s: value of %d characters", where, n(btn.Value))
				}
				if btn.URL != "" && (len(btn.URL) > maxURL || !linkable(btn.URL)) {
					bad("%s: url %q", where, btn.URL)
				}
			}
			id = x.BlockID
		case *slack.DividerBlock:
		default:
			bad("%s: unexpected block %T", where, b)
		}
		if id != "" {
			if len(id) > 255 || blockIDs[id] {
				bad("%s: block_id %q too long or used twice", where, id)
			}
			blockIDs[id] = true
		}
	}
	if n := blocksText(blocks); n > maxMessageText {
		bad("%d characters of block text (chat.postMessage takes about 12,000; our bound %d)", n, maxMessageText)
	}
	return p
}

// CardProblems lists what breaks the card's budget: visible text over maxCardText, more than
// maxCardBlocks blocks, more than two rows of controls.
func CardProblems(m Message) []string {
	var p []string
	if n := blocksText(m.Blocks); n > maxCardText {
		p = append(p, fmt.Sprintf("card has %d characters of visible text (limit %d)", n, maxCardText))
	}
	if len(m.Blocks) > maxCardBlocks {
		p = append(p, fmt.Sprintf("card has %d blocks (limit %d)", len(m.Blocks), maxCardBlocks))
	}
	rows := 0
	for _, b := range m.Blocks {
		if _, ok := b.(*slack.ActionBlock); ok {
			rows++
		}
	}
	if rows > 2 {
		p = append(p, fmt.Sprintf("card has %d rows of controls (limit 2)", rows))
	}
	return p
}

// CardText is a message's visible text as Slack counts it: headers, sections, context, button
// labels and menu placeholders (what issue 13's card budget measures).
func CardText(m Message) int { return blocksText(m.Blocks) }
