package contract

import "testing"

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"master.m3u8": "application/vnd.apple.mpegurl", "720p/seg_00001.m4s": "video/iso.segment", "720p/init.mp4": "video/mp4",
		"audio/en/init.m4a": "audio/mp4", "subs/en/subs.vtt": "text/vtt; charset=utf-8", "SUBS.VTT": "text/vtt; charset=utf-8",
		"poster.jpg": "image/jpeg", "a.JPEG": "image/jpeg", "a.png": "image/png", "a.webp": "image/webp", "a.ts": "video/mp2t",
		"a.json": "application/json", "a.bin": "", "noext": "", "dir.m3u8/file": "",
	} {
		if got := ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}
