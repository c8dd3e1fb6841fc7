package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// hashLen is how many hex digits of a file's SHA-256 go into its name.
const hashLen = 16

// brotliLevel trades startup time for size: andybalholm/brotli at 11 takes
// over a minute for a 5 MB module on a busy core, 6 a few seconds, for a
// result about 10 % larger.
const brotliLevel = 6

// minCompressSize is the smallest file worth compressing.
const minCompressSize = 256

// asset is one file as served: its bytes, and its compressed forms once
// ready.
type asset struct {
	name    string // the plain name, "player.wasm"
	hashed  string // the content-hashed name, "player.0123456789abcdef.wasm"
	ctype   string
	modTime string // Last-Modified
	hash    string // hex SHA-256 prefix
	html    bool

	mu   sync.RWMutex
	reps map[string][]byte // coding ("identity", "gzip", "br") -> body
}

// body returns the representation of a in coding, nil if not (yet) made.
func (a *asset) body(coding string) []byte {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.reps[coding]
}

// codings lists the compressed codings a has ready.
func (a *asset) codings() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []string
	for _, c := range []string{codingBrotli, codingGzip} {
		if a.reps[c] != nil {
			out = append(out, c)
		}
	}
	return out
}

// etag is the entity tag of a's representation in coding.
func (a *asset) etag(coding string) string {
	if coding == codingIdentity {
		return `"` + a.hash + `"`
	}
	return `"` + a.hash + "-" + coding + `"`
}

// site is the app's files, read once: assets by request name (both the
// plain and the hashed name).
type site struct {
	byName map[string]*asset
	// ready is closed when every compressed form is made.
	ready chan struct{}
}

// compressed caches compressed bodies by content hash and coding, so a
// process that starts several handlers over the same files (tests, a
// restart of the handler) compresses each file once.
var compressed sync.Map // string(hash+coding) -> []byte

// loadSite reads every file of fsys, names it by content, rewrites the
// HTML files' references to the hashed names, and compresses in the
// background; ready is closed when that is done.
func loadSite(fsys fs.FS) (*site, error) {
	s := &site{byName: map[string]*asset{}, ready: make(chan struct{})}
	var files []*asset
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if base, ok := siblingOf(name); ok {
			if _, err := fs.Stat(fsys, base); err == nil {
				return nil // a precompressed form of base, read by compress
			}
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		a := &asset{
			name: name, ctype: ContentType(name), html: path.Ext(name) == ".html",
			modTime: info.ModTime().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"),
			reps:    map[string][]byte{codingIdentity: data},
		}
		files = append(files, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webapp: read files: %w", err)
	}
	// Name the non-HTML files first: the HTML references them.
	sort.SliceStable(files, func(i, j int) bool { return !files[i].html && files[j].html })
	var refs []string // `="name"` -> `="hashed"` pairs for the HTML
	for _, a := range files {
		data := a.reps[codingIdentity]
		if a.html {
			data = []byte(strings.NewReplacer(refs...).Replace(string(data)))
			a.reps[codingIdentity] = data
		}
		sum := sha256.Sum256(data)
		a.hash = hex.EncodeToString(sum[:])[:hashLen]
		s.byName[a.name] = a
		if !a.html {
			ext := path.Ext(a.name)
			a.hashed = strings.TrimSuffix(a.name, ext) + "." + a.hash + ext
			s.byName[a.hashed] = a
			refs = append(refs,
				`="`+a.name+`"`, `="`+a.hashed+`"`,
				`data-size-of="`+a.name+`"`, `data-size="`+strconv.Itoa(len(data))+`"`)
		}
	}
	go func() {
		defer close(s.ready)
		for _, a := range files {
			compress(fsys, a)
		}
	}()
	return s, nil
}

// compress adds a's gzip and brotli forms, each kept only if smaller:
// the precompressed files beside it (see Precompress) when they decode to
// its bytes, else compressed now.
func compress(fsys fs.FS, a *asset) {
	data := a.reps[codingIdentity] // never written after loadSite
	if len(data) < minCompressSize || !compressible(a.ctype) {
		return
	}
	for _, c := range []string{codingGzip, codingBrotli} {
		key := a.hash + c
		var out []byte
		if v, ok := compressed.Load(key); ok {
			out = v.([]byte)
		} else {
			if !a.html {
				out = readSibling(fsys, a.name+suffixes[c], c, data)
			}
			if out == nil {
				out = encode(c, data)
			}
			compressed.Store(key, out)
		}
		if len(out) < len(data) {
			a.mu.Lock()
			a.reps[c] = out
			a.mu.Unlock()
		}
	}
}

// suffixes are the file name suffixes of precompressed forms.
var suffixes = map[string]string{codingGzip: ".gz", codingBrotli: ".br"}

// siblingOf returns the file a precompressed form's name belongs to.
func siblingOf(name string) (string, bool) {
	for _, suf := range suffixes {
		if base, ok := strings.CutSuffix(name, suf); ok && base != "" {
			return base, true
		}
	}
	return "", false
}

// readSibling returns file name if it decodes (as coding) to want, else nil.
func readSibling(fsys fs.FS, name, coding string, want []byte) []byte {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil
	}
	var r io.Reader = bytes.NewReader(b)
	if coding == codingGzip {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil
		}
		r = zr
	} else {
		r = brotli.NewReader(r)
	}
	got, err := io.ReadAll(io.LimitReader(r, int64(len(want))+1))
	if err != nil || !bytes.Equal(got, want) {
		return nil
	}
	return b
}

// Precompress writes the gzip and brotli forms of every compressible file
// of dir (not HTML, which the origin rewrites) beside it, as name.gz and
// name.br, for the origin to serve without compressing at startup.
func Precompress(dir string) error {
	fsys := os.DirFS(dir)
	return fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, ok := siblingOf(name); ok || path.Ext(name) == ".html" || !compressible(ContentType(name)) {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil || len(data) < minCompressSize {
			return err
		}
		for c, suf := range suffixes {
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)+suf), encode(c, data), 0o644); err != nil {
				return fmt.Errorf("webapp: precompress: %w", err)
			}
		}
		return nil
	})
}

func encode(coding string, data []byte) []byte {
	var buf bytes.Buffer
	switch coding {
	case codingGzip:
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = w.Write(data)
		_ = w.Close()
	case codingBrotli:
		w := brotli.NewWriterLevel(&buf, brotliLevel)
		_, _ = w.Write(data)
		_ = w.Close()
	}
	return buf.Bytes()
}

// compressible reports whether a type gains from compression (images and
// fonts are compressed already).
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || ctype == "application/wasm" ||
		ctype == "application/json" || ctype == "image/svg+xml"
}
