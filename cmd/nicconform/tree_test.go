package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTracked is the largest file the repository may hold: only sources go
// in git (docs/contributing.md).
const maxTracked = 1 << 20

// executableMagic names the executable format a file's first bytes show:
// ELF, Mach-O (32/64-bit, either byte order, or universal), or PE (an MZ
// header whose e_lfanew points at "PE\0\0"); "" for anything else.
func executableMagic(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "ELF"
	case len(head) >= 4:
		switch binary.BigEndian.Uint32(head) {
		case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe:
			return "Mach-O"
		}
	}
	if len(head) >= 0x40 && bytes.HasPrefix(head, []byte("MZ")) {
		off := int(binary.LittleEndian.Uint32(head[0x3c:]))
		if off+4 <= len(head) && bytes.Equal(head[off:off+4], []byte("PE\x00\x00")) {
			return "PE"
		}
	}
	return ""
}

// untrackable returns why a file may not be tracked: an executable binary
// or over maxTracked bytes; "" when it may.
func untrackable(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	var why []string
	if kind := executableMagic(head[:n]); kind != "" {
		why = append(why, "an executable binary ("+kind+")")
	}
	if info.Size() > maxTracked {
		why = append(why, fmt.Sprintf("%d bytes, over 1 MB", info.Size()))
	}
	return strings.Join(why, "; "), nil
}

// The repository holds only sources: no tracked file (git ls-files) is an
// executable binary or larger than 1 MB. Skipped outside a git checkout.
func TestTreeHoldsOnlySources(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not in a git checkout")
	}
	root := strings.TrimSpace(string(top))
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 10 {
		t.Fatalf("git ls-files lists %d files", len(files))
	}
	for _, name := range files {
		why, err := untrackable(filepath.Join(root, name))
		switch {
		case errors.Is(err, os.ErrNotExist): // deleted in the work tree, not yet committed
		case err != nil:
			t.Error(err)
		case why != "":
			t.Errorf("%s is tracked but is %s: only sources go in git (git rm --cached %s; .gitignore covers build output)", name, why, name)
		}
	}
}

// The check tells binaries and large files from sources.
func TestUntrackable(t *testing.T) {
	dir := t.TempDir()
	pe := make([]byte, 0x80)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x40)
	copy(pe[0x40:], "PE\x00\x00")
	macho := []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}
	for name, c := range map[string]struct {
		content []byte
		want    string
	}{
		"elf":      {[]byte("\x7fELF\x02\x01\x01"), "ELF"},
		"macho":    {macho, "Mach-O"},
		"pe":       {pe, "PE"},
		"big.txt":  {bytes.Repeat([]byte("a"), maxTracked+1), "over 1 MB"},
		"main.go":  {[]byte("package main\n"), ""},
		"MZ.txt":   {[]byte("MZ is not an executable without its PE header\n"), ""},
		"empty":    {nil, ""},
		"edge.txt": {bytes.Repeat([]byte("a"), maxTracked), ""},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := untrackable(p)
		if err != nil || (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, %v; want %q", name, got, err, c.want)
		}
	}
}
