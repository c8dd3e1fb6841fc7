package playback

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/edgeflix/edgeflix/contract"
	"github.com/edgeflix/edgeflix/origin/catalog"
	"github.com/edgeflix/edgeflix/wasm/manifest"
)

// GrantRenditions returns the folders a session with caps may fetch (the
// token's rnd): the video renditions that the edge's master rewrite keeps
// for caps — decided by running that rewrite (wasm/manifest) on the
// variants of the renditions table, so the master a device sees and the
// folders the gate opens cannot disagree — then the audio and subtitle
// track folders. An asset none of whose renditions plays gets only the
// track folders (the rewrite answers 403 for its master anyway).
func GrantRenditions(rows []catalog.Rendition, caps contract.Caps) []string {
	var master bytes.Buffer
	master.WriteString("#EXTM3U\n")
	for _, r := range rows {
		if !contract.ValidFolderName(r.Name) {
			continue
		}
		master.WriteString("#EXT-X-STREAM-INF:BANDWIDTH=" + strconv.FormatInt(r.Bandwidth, 10) +
			",RESOLUTION=" + strconv.Itoa(r.Width) + "x" + strconv.Itoa(r.Height) +
			",CODECS=" + strconv.Quote(r.Codecs))
		if r.VideoRange != "" {
			master.WriteString(",VIDEO-RANGE=" + r.VideoRange)
		}
		master.WriteString("\n" + r.Name + "/index.m3u8\n")
	}
	granted := []string{}
	if kept, err := manifest.Rewrite(master.Bytes(), caps); err == nil {
		for _, line := range bytes.Split(kept, []byte("\n")) {
			if name, ok := bytes.CutSuffix(line, []byte("/index.m3u8")); ok && len(line) > 0 && line[0] != '#' {
				granted = append(granted, string(name))
			}
		}
	}
	return append(granted, contract.AudioFolder, contract.SubtitleFolder)
}

// renditionsFor is GrantRenditions for assetID's rows.
func (s *Service) renditionsFor(ctx context.Context, assetID string, caps contract.Caps) ([]string, error) {
	rows, err := s.cfg.Catalog.Renditions(ctx, assetID)
	if err != nil {
		return nil, fmt.Errorf("playback: renditions: %w", err)
	}
	return GrantRenditions(rows, caps), nil
}
