// Package bot turns what a person asks or pastes into a platform-neutral answer, a Reply.
//
// It holds the one command registry (Commands, ParseCommand) that drives dispatch, help, the Slack
// manifest and the Discord command definitions; the Engine that answers a Request; the Reply
// document (Kind, Severity, Fields, Sections, Related, Links, Evidence) that every adapter renders
// with a pure function; ErrorReply, the one place an error becomes a friendly answer; and the
// shared service state (rate limits, the rendered-answer Cache, Health).
//
//	kb, _ := knowledge.Builtin()
//	r := bot.New(kb).Handle(ctx, bot.Request{Text: "530 Login incorrect.", Platform: "web"})
//	fmt.Println(r.Title) // 530 Not logged in
//
// Chat shows a Reply as a Card (Reply.Card): the title, the evidence and whose words it is, one
// sentence of what it means, what to do first (Reply.FirstSteps, chosen from the evidence when
// the question is answered: the server software, the client, the failing command, the server's
// own words; see chooseSteps), a context line and one list of related failures and concepts. The
// rest is Reply.More, ordered so that fixes come before background. Every renderer builds its
// card from the same Card.
//
// A question asked in a chat thread carries the thread (Request.Thread): Engine.Diagnose then
// reads every message as Ask would and answers from the decisive one, a failing reply or log
// over a question in words, with Reply.Evidence and Reply.EvidenceSource naming what decided.
//
// Words with one meaning here and everywhere else in ftpbot:
//   - Reply: the bot's answer (this package's Reply). What an FTP server sends back is a reply
//     line or a response (knowledge.ParseReplyLine, probe.Result.Response, a transcript entry of
//     Dir transcript.Response), with a reply code.
//   - Kind: what an answer is about (KindCode, KindLog, …); its code, class and topic values are
//     the kinds of knowledge.Match.
//   - Step: a stage of an FTP session (knowledge.Step: connect, tls, login, data, …).
//   - Section: a headed part of a document (knowledge.Section in a topic, Section in a Reply).
//   - Lookup: finding a code's entry (knowledge.Base.Lookup).
//
// bot depends on knowledge and the standard library (and Prometheus, in bot/metrics); it must
// never import slack-go, discordgo, chromedp or any adapter: TestLayering fails if it does.
// Sub-packages: bot/transcript reads pasted session logs, bot/probe checks a live server,
// bot/metrics exports metrics, bot/bottest is the renderers' shared test kit.
package bot
