package probe

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckHTTP(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "app.example.test" {
			http.Error(w, "wrong host "+r.Host, http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "backend %d\n", n.Add(1)%2+1)
	}))
	defer srv.Close()
	url := srv.URL + "/"
	for _, tc := range []struct {
		attrs map[string]string
		ok    bool
		want  string
	}{
		{map[string]string{"url": url, "host": "app.example.test", "count": "4", "contains": "backend 1,backend 2"}, true, "4 answers"},
		{map[string]string{"url": url, "host": "app.example.test", "count": "1", "contains": "backend 1,backend 2"}, false, "no answer held"},
		{map[string]string{"url": url}, false, "status 404, want 200: wrong host"},
		{map[string]string{"url": url, "status": "<500"}, true, "status map[404:1]"},
		{map[string]string{"url": "http://127.0.0.1:1/", "timeout_ms": "500"}, false, "connection refused"},
		{map[string]string{"url": "ftp://x/"}, false, "not http"},
	} {
		ok, detail := HTTP(tc.attrs)
		if ok != tc.ok || !strings.Contains(detail, tc.want) {
			t.Errorf("HTTP(%v) = %v %q, want %v and %q", tc.attrs, ok, detail, tc.ok, tc.want)
		}
	}
}

func TestCheckHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "secure") }))
	defer srv.Close()
	if ok, detail := HTTP(map[string]string{"url": srv.URL + "/", "insecure": "true", "contains": "secure"}); !ok {
		t.Errorf("insecure https: %s", detail)
	}
	if ok, _ := HTTP(map[string]string{"url": srv.URL + "/"}); ok {
		t.Error("an unknown certificate was accepted without insecure")
	}
}

// TestCheckHTTPProvesSiteAndBackends: a site's check fails on an answer
// that did not come from the site (a default server's 404 carries no
// X-Drover-Site), and a balancer's check fails when not every backend
// answered.
func TestCheckHTTPProvesSiteAndBackends(t *testing.T) {
	var n, live atomic.Int32
	live.Store(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "shop.test" {
			w.Header().Set("X-Drover-Site", "shop.test")
		}
		w.Header().Set("X-Drover-Backend", fmt.Sprintf("web%d", int(n.Add(1)%live.Load())+1))
		http.Error(w, "not here", http.StatusNotFound) // what the app says is its business
	}))
	defer srv.Close()
	url := srv.URL + "/"
	site := map[string]string{"url": url, "status": "<500", "header": "X-Drover-Site", "header_equals": "shop.test"}
	for _, tc := range []struct {
		host string
		ok   bool
		want string
	}{
		{"shop.test", true, "X-Drover-Site map[shop.test:1]"},
		{"other.test", false, `X-Drover-Site is "", want "shop.test"`},
	} {
		attrs := map[string]string{"host": tc.host}
		for k, v := range site {
			attrs[k] = v
		}
		if ok, detail := HTTP(attrs); ok != tc.ok || !strings.Contains(detail, tc.want) {
			t.Errorf("site check with Host %s = %v %q, want %v and %q", tc.host, ok, detail, tc.ok, tc.want)
		}
	}
	backends := map[string]string{"url": url, "status": "<500", "count": "4", "header": "X-Drover-Backend", "header_distinct": "2"}
	if ok, detail := HTTP(backends); !ok {
		t.Errorf("two live backends: %s", detail)
	}
	live.Store(1)
	if ok, detail := HTTP(backends); ok || !strings.Contains(detail, "1 of 2 backends answered") {
		t.Errorf("one backend down: %v %q", ok, detail)
	}
}
