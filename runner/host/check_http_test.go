package host

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
		ok, detail := checkHTTP(tc.attrs)
		if ok != tc.ok || !strings.Contains(detail, tc.want) {
			t.Errorf("checkHTTP(%v) = %v %q, want %v and %q", tc.attrs, ok, detail, tc.ok, tc.want)
		}
	}
}

func TestCheckHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "secure") }))
	defer srv.Close()
	if ok, detail := checkHTTP(map[string]string{"url": srv.URL + "/", "insecure": "true", "contains": "secure"}); !ok {
		t.Errorf("insecure https: %s", detail)
	}
	if ok, _ := checkHTTP(map[string]string{"url": srv.URL + "/"}); ok {
		t.Error("an unknown certificate was accepted without insecure")
	}
}
