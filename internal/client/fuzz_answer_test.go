package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// answerTarget answers every request on 127.0.0.1 with the bytes answer
// holds, whatever they are, then closes the connection.
type answerTarget struct {
	ln     net.Listener
	answer atomic.Pointer[[]byte]
}

func newAnswerTarget(tb testing.TB) *answerTarget {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	rt := &answerTarget{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				if a := rt.answer.Load(); a != nil {
					_, _ = conn.Write(*a)
				}
			}()
		}
	}()
	tb.Cleanup(func() { _ = ln.Close() })
	return rt
}

// fuzzAnswer is the answer FuzzAnswer sends: a status line with status
// and reason, the header lines of headers (one a line), Content-Encoding:
// gzip and the body gzipped when gz, and body repeated repeat times (up
// to MaxBody and 64 KiB, past MaxBody).
func fuzzAnswer(status uint16, reason, headers string, body []byte, repeat uint16, gz bool) []byte {
	if len(body) > 0 {
		body = bytes.Repeat(body, min(int(repeat)+1, (MaxBody+64<<10)/len(body)+1))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %03d %s\r\n", status%1000, reason)
	for _, line := range strings.Split(headers, "\n") {
		if line != "" {
			b.WriteString(line + "\r\n")
		}
	}
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = z.Bytes()
		b.WriteString("Content-Encoding: gzip\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}

// FuzzAnswer: whatever a target answers (status line, headers, body,
// gzip-encoded or not, up to MaxBody and 64 KiB of it), the client's typed calls never
// panic and keep at most MaxBody bytes of body and MaxHeaderBytes of
// headers in the exchange; an answer they cannot use is an error or a
// violation, never a success they did not check.
func FuzzAnswer(f *testing.F) {
	nics := listBody(3)
	for _, s := range []struct {
		status          uint16
		reason, headers string
		body            string
		repeat          uint16
		gz              bool
	}{
		{200, "OK", "Content-Type: application/json", nics, 0, false},
		{200, "OK", "Content-Type: application/json", nics, 0, true},
		{202, "Accepted", "Content-Type: application/json\nContent-Length: 0", "", 0, false},
		{404, "Not Found", "Content-Type: application/json", `{"itemNotFound":{"code":404,"message":"x"}}`, 0, false},
		{200, "OK", "Content-Type: application/json", `{"interfaceAttachments":[` + strings.Repeat("{},", 1000) + `{}]}`, 0, false},
		{200, "OK", "Content-Type: application/json", nics + strings.Repeat(" ", 64), 65535, false},
		{200, "OK", "Content-Type: application/json", strings.Repeat("\x00", 64), 65535, true},
		{200, "OK", "X-Big: " + strings.Repeat("h", 300<<10), "{}", 0, false},
		{200, "OK", "Content-Length: 99999999", "{}", 0, false},
		{200, "OK", "Transfer-Encoding: chunked", "zz\r\n", 0, false},
		{999, "\x00\xff", "::\n:", "\xff\xfe", 3, false},
		{301, "Moved", "Location: http://127.0.0.1:1/x", "", 0, false},
	} {
		f.Add(s.status, s.reason, s.headers, []byte(s.body), s.repeat, s.gz)
	}
	rt := newAnswerTarget(f)
	c := newClient(f, "http://"+rt.ln.Addr().String(), func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 1}
		cfg.Timeout = 5 * time.Second
	})
	f.Fuzz(func(t *testing.T, status uint16, reason, headers string, body []byte, repeat uint16, gz bool) {
		a := fuzzAnswer(status, reason, headers, body, repeat, gz)
		rt.answer.Store(&a)
		ctx := context.Background()
		var exs []*Exchange
		var errs []error
		keep := func(ex *Exchange, err error) {
			exs, errs = append(exs, ex), append(errs, err)
		}
		_, ex, err := c.ListInterfaces(ctx, server)
		keep(ex, err)
		_, ex, err = c.GetPort(ctx, port)
		keep(ex, err)
		ex, err = c.Detach(ctx, server, port)
		keep(ex, err)
		for i, ex := range exs {
			if ex == nil {
				if errs[i] == nil {
					t.Fatalf("call %d: no exchange and no error", i)
				}
				continue
			}
			if ex.BodySize() > MaxBody || len(ex.ResponseBody) > KeptBody {
				t.Errorf("call %d: %d bytes of body kept (%d in memory), over MaxBody (KeptBody)", i, ex.BodySize(), len(ex.ResponseBody))
			}
			n := 0
			for k, vs := range ex.ResponseHeader {
				for _, v := range vs {
					n += len(k) + len(v)
				}
			}
			if n > MaxHeaderBytes {
				t.Errorf("call %d: %d bytes of headers kept, over MaxHeaderBytes", i, n)
			}
			var te *TransportError
			if errors.As(errs[i], &te) && ex.Status != 0 {
				t.Errorf("call %d: a transport error with a status %d", i, ex.Status)
			}
		}
	})
}
