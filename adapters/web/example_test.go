package web_test

import (
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/ftpbot/ftpbot/adapters/web"
	"github.com/ftpbot/ftpbot/bot"
	"github.com/ftpbot/ftpbot/bot/bottest"
	"github.com/ftpbot/ftpbot/knowledge"
)

// The handler serves the reference, the playground and the API; `ftpbot serve` mounts it as the
// HTTP server's handler and adds the chat platforms' routes with Handle.
func ExampleNew() {
	kb, err := knowledge.Load(bottest.SmallData, "")
	if err != nil {
		panic(err)
	}
	h := web.New(web.Options{Engine: bot.New(kb), Health: &bot.Health{}})
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/api/ask?q=530")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output: 200 {"query":"530","matches":[{"id":"530","kind":"code","title":"Not logged in"}]}
}
