package client

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// NetLog returns a writer for the standard log package's output
// (log.SetOutput(client.NetLog(os.Stderr)), once, at a process's start)
// that writes each line to w with every Go-quoted string in it withheld.
// net/http logs through the standard logger, and quotes with %q what it
// got from a peer: "Unsolicited response received on idle HTTP channel
// starting with %q" carries up to 4 KiB of whatever a target wrote on an
// idle kept-alive connection, which may be the run's own request, echoed
// with its credentials (net/http/transport.go, persistConn.readLoopPeekFailLocked).
// Such a line reads "… starting with <37 bytes from the peer, withheld>; err=<nil>".
// A quote that does not close withholds the rest of the line. Errors are
// w's.
func NetLog(w io.Writer) io.Writer { return netLog{w} }

type netLog struct{ w io.Writer }

func (l netLog) Write(p []byte) (int, error) {
	var out bytes.Buffer
	rest := p
	for {
		i := bytes.IndexByte(rest, '"')
		if i < 0 {
			out.Write(rest)
			break
		}
		out.Write(rest[:i])
		q, err := strconv.QuotedPrefix(string(rest[i:]))
		if err != nil { // unclosed: withhold to the end of the line
			end := bytes.IndexByte(rest[i:], '\n')
			if end < 0 {
				end = len(rest) - i
			}
			fmt.Fprintf(&out, "<%d bytes from the peer, withheld>", end)
			rest = rest[i+end:]
			continue
		}
		n := len(q)
		if s, err := strconv.Unquote(q); err == nil {
			n = len(s)
		}
		fmt.Fprintf(&out, "<%d bytes from the peer, withheld>", n)
		rest = rest[i+len(q):]
	}
	if _, err := l.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
