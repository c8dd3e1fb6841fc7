package contract

// ContentType is the Content-Type of a media file by its extension (any
// case), as ingest stores it in S3 and the origin serves it, or "" for an
// extension edgeflix does not know. WebVTT is UTF-8 by definition; its type
// says so, for browsers that would guess otherwise.
func ContentType(name string) string {
	ext := ""
	for i := len(name) - 1; i >= 0 && name[i] != '/'; i-- {
		if name[i] == '.' {
			ext = lowerASCII(name[i:])
			break
		}
	}
	switch ext {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".m4s":
		return "video/iso.segment"
	case ".mp4":
		return "video/mp4"
	case ".m4a":
		return "audio/mp4"
	case ".vtt":
		return "text/vtt; charset=utf-8"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	case ".ts":
		return "video/mp2t"
	case ".json":
		return "application/json"
	}
	return ""
}
