// Package probe holds what both the checks and the kinds use to talk to a
// service: an HTTP round (status, body, headers), a TCP connect, and the
// plain SQL names a database login may carry.
package probe

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/runner/host"
)

// HTTP proves that a web service answers: `count` GETs of url (default
// 1), each expected to answer with status (default 200). Attributes:
//   - url: "http://ADDRESS:PORT/PATH" or https://...
//   - host: the Host header (and TLS server name), "" = from url
//   - status: the expected status code (default "200"), or "<N" for any
//     status below N ("<500": the service answers, whatever it says)
//   - contains: comma-separated strings; every one must appear in the body
//     of at least one answer (so that `count` requests through a load
//     balancer prove that every backend answered)
//   - count: requests to make (default 1)
//   - timeout_ms: per request (default 3000)
//   - retry_ms: keep trying a failing round this long (default 0), for
//     services that are still coming up
//   - insecure: "true" accepts any certificate (self-signed)
//   - header: a response header that proves where the answer came from
//     (drover's configs set X-Drover-Site on each web server's site and
//     X-Drover-Backend on each balanced answer)
//   - header_equals: the value every answer must carry in header (the
//     site's host name: a default server answering for an unknown host
//     does not carry it)
//   - header_distinct: how many distinct values of header the answers
//     must carry together (the number of backends: every one of them
//     served a request)
func HTTP(attrs map[string]string) (bool, string) {
	if attrs["url"] == "" {
		return false, "http check without url"
	}
	num := func(key string, def int) int {
		if n, err := strconv.Atoi(attrs[key]); err == nil {
			return n
		}
		return def
	}
	deadline := time.Now().Add(time.Duration(num("retry_ms", 0)) * time.Millisecond)
	for {
		ok, detail := httpRound(attrs, num("count", 1), time.Duration(num("timeout_ms", 3000))*time.Millisecond)
		if ok || time.Now().After(deadline) {
			return ok, detail
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func httpRound(attrs map[string]string, count int, timeout time.Duration) (bool, string) {
	want := attrs["status"]
	if want == "" {
		want = "200"
	}
	contains := host.SplitList(attrs["contains"])
	seen := map[string]bool{}
	codes := map[int]int{}
	values := map[string]int{}
	for i := 0; i < count; i++ {
		code, header, body, err := httpGet(attrs["url"], attrs["host"], attrs["insecure"] == "true", timeout)
		if err != nil {
			return false, fmt.Sprintf("GET %s: %v", attrs["url"], err)
		}
		if !statusOK(code, want) {
			return false, fmt.Sprintf("GET %s: status %d, want %s: %s", attrs["url"], code, want, firstLine(body))
		}
		codes[code]++
		if name := attrs["header"]; name != "" {
			v := header.Get(name)
			if eq, ok := attrs["header_equals"]; ok && v != eq {
				return false, fmt.Sprintf("GET %s (Host %s): %s is %q, want %q: the answer did not come from the declared site (status %d: %s)",
					attrs["url"], attrs["host"], name, v, eq, code, firstLine(body))
			}
			if v != "" {
				values[v]++
			}
		}
		for _, w := range contains {
			if strings.Contains(body, w) {
				seen[w] = true
			}
		}
	}
	var missing []string
	for _, w := range contains {
		if !seen[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return false, fmt.Sprintf("GET %s %d times: no answer held %s", attrs["url"], count, strings.Join(missing, ", "))
	}
	if n, err := strconv.Atoi(attrs["header_distinct"]); err == nil && len(values) < n {
		return false, fmt.Sprintf("GET %s %d times: %d of %d backends answered (%s: %v)", attrs["url"], count, len(values), n, attrs["header"], values)
	}
	if len(values) > 0 {
		return true, fmt.Sprintf("GET %s: %d answers, status %v, %s %v", attrs["url"], count, codes, attrs["header"], values)
	}
	return true, fmt.Sprintf("GET %s: %d answers, status %v", attrs["url"], count, codes)
}

// statusOK tells whether code is the status wanted: "200", or "<500".
func statusOK(code int, want string) bool {
	if below, ok := strings.CutPrefix(want, "<"); ok {
		n, err := strconv.Atoi(below)
		return err == nil && code < n
	}
	n, err := strconv.Atoi(want)
	return err == nil && code == n
}

// httpGet makes one HTTP/1.0 GET on a new connection (so that a balancer
// picks a backend anew, and the body is never chunked) and returns the
// status and the body. A small client of its own keeps net/http (3 MB) out
// of the helper.
func httpGet(rawURL, hostHeader string, insecure bool, timeout time.Duration) (int, textproto.MIMEHeader, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return 0, nil, "", fmt.Errorf("url %q is not http:// or https://", rawURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	if hostHeader == "" {
		hostHeader = u.Host
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, nil, "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: insecure, ServerName: hostOnly(hostHeader)})
		if err := tc.Handshake(); err != nil {
			return 0, nil, "", err
		}
		conn = tc
	}
	path := u.RequestURI()
	fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: drover-helper\r\nConnection: close\r\n\r\n", path, hostHeader)
	return readHTTPResponse(bufio.NewReader(conn))
}

// readHTTPResponse reads a status line, headers and a body that ends with
// the connection or after Content-Length.
func readHTTPResponse(br *bufio.Reader) (int, textproto.MIMEHeader, string, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return 0, nil, "", fmt.Errorf("reading the status line: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		return 0, nil, "", fmt.Errorf("not an HTTP answer: %q", firstLine(line))
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, nil, "", fmt.Errorf("bad status line %q", line)
	}
	header, err := tp.ReadMIMEHeader()
	if err != nil {
		return code, nil, "", err
	}
	var body io.Reader = io.LimitReader(br, 1<<20)
	if n, err := strconv.Atoi(header.Get("Content-Length")); err == nil {
		body = io.LimitReader(br, int64(min(n, 1<<20)))
	}
	data, err := io.ReadAll(body)
	return code, header, string(data), err
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > 200 {
		line = line[:200]
	}
	return line
}
