package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
)

// TestHeadAskDoesNoWork: HEAD /api/ask (monitors, link checkers, and the flood of issue 14)
// checks the request and answers no question: no search, no body, nothing counted. The proof
// is the memory it allocates: a search over a long question allocates many times its size,
// the request alone (query string parsed, headers written) about its size.
func TestHeadAskDoesNoWork(t *testing.T) {
	h := New(testOptions(t))
	q := "/api/ask?q=" + url.QueryEscape("530 "+strings.Repeat("permission denied passive ", 12000))
	serve := func(method string) (uint64, *httptest.ResponseRecorder) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, q, nil)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h.ServeHTTP(rec, req)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, rec
	}
	getBytes, rec := serve(http.MethodGet)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET: status %d", rec.Code)
	}
	headBytes, rec := serve(http.MethodHead)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("HEAD: status %d, Content-Type %q; want 200 and JSON", rec.Code, rec.Header().Get("Content-Type"))
	}
	if limit := uint64(4 * len(q)); headBytes > limit {
		t.Errorf("HEAD allocated %d bytes (GET %d) for a %d-byte request; want at most %d: it answered the question", headBytes, getBytes, len(q), limit)
	}
	for _, bad := range []string{"/api/ask", "/api/ask?q=" + strings.Repeat("x", 600<<10)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, bad, nil))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("HEAD %.40s: status %d, want 400 like GET", bad, rec.Code)
		}
	}
}
