package client

import (
	"fmt"
	"os"
	"sync"
)

// KeptBody is how much of a response body a recorded exchange keeps in
// memory (64 KiB): a longer body is spooled to disk by its Recorder and
// read back through Exchange.Body.
const KeptBody = 64 << 10

// spool is a Recorder's file of long response bodies: created at the
// first one, unlinked at once (the open file stays readable; nothing is
// left on disk whatever stops the run), closed by the runtime with the
// recorder. The zero value is ready; safe for concurrent use.
type spool struct {
	mu   sync.Mutex
	f    *os.File
	end  int64
	fail error // the error that made the spool unusable, for good
}

// write appends b to the spool and returns where it is.
func (s *spool) write(b []byte) (*spooledBody, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "nicconform-bodies-*")
		if err != nil {
			s.fail = fmt.Errorf("client: spool response bodies: %w", err)
			return nil, s.fail
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			s.fail = fmt.Errorf("client: spool response bodies: %w", err)
			return nil, s.fail
		}
		s.f = f
	}
	if _, err := s.f.WriteAt(b, s.end); err != nil {
		return nil, fmt.Errorf("client: spool a response body of %d bytes: %w", len(b), err)
	}
	sb := &spooledBody{f: s.f, off: s.end, size: len(b)}
	s.end += int64(len(b))
	return sb, nil
}

// spooledBody is one body in a spool.
type spooledBody struct {
	f    *os.File
	off  int64
	size int
}

// read returns the body, read back from the spool.
func (sb *spooledBody) read() ([]byte, error) {
	b := make([]byte, sb.size)
	if n, err := sb.f.ReadAt(b, sb.off); n < sb.size {
		return nil, fmt.Errorf("client: read back a spooled response body of %d bytes (got %d): %w", sb.size, n, err)
	}
	return b, nil
}
