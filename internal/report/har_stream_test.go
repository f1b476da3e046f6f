package report

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nicconform/nicconform/internal/client"
)

// The HAR streamed one entry at a time is the bytes json.MarshalIndent
// gives for the whole document ("", " "): with no entry, and with some.
func TestHARStreamedAsMarshalIndent(t *testing.T) {
	exs := []*client.Exchange{
		{Seq: 1, Method: "DELETE", URL: "http://h/v2.1/p/servers/s/os-interface/x", Status: 202, Started: time.Unix(1, 0),
			ResponseHeader: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"a":"<b>"}`), Owner: "spec"},
		{Seq: 2, Method: "POST", URL: "http://h/v2.0/ports?x=1", Status: 0, Err: "refused", RequestBody: []byte{0xff, 0x00},
			RequestHeader: http.Header{"Content-Type": {"application/json"}}},
	}
	for _, n := range []int{0, 1, 2} {
		var b bytes.Buffer
		if err := writeHAR(&b, Tool{Version: "v1"}, exs[:n], map[int][]string{1: {"DETACH-ACCEPTED"}}); err != nil {
			t.Fatal(err)
		}
		var compact, indented bytes.Buffer
		if err := json.Compact(&compact, b.Bytes()); err != nil {
			t.Fatalf("%d entries: not JSON: %v\n%s", n, err, b.Bytes())
		}
		_ = json.Indent(&indented, compact.Bytes(), "", " ")
		if !bytes.Equal(indented.Bytes(), b.Bytes()) {
			t.Errorf("%d entries: streamed\n%s\nwant\n%s", n, b.Bytes(), indented.Bytes())
		}
		var h harLog
		if err := json.Unmarshal(b.Bytes(), &h); err != nil || len(h.Log.Entries) != n || h.Log.Version != "1.2" {
			t.Errorf("%d entries: %v %+v", n, err, h)
		}
	}
}
