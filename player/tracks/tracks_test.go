package tracks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/edgeflix/edgeflix/player/hls"
)

const demuxedMaster = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/en/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Français",LANGUAGE="fr-CA",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio/fr/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="subs/en/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Français (forced)",LANGUAGE="fr",FORCED=YES,AUTOSELECT=YES,URI="subs/fr-forced/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS="avc1.4d400d,mp4a.40.2",RESOLUTION=320x180,AUDIO="aud",SUBTITLES="subs"
v180/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=600000,CODECS="av01.0.04M.08,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud",SUBTITLES="subs"
v360av1/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="hvc1.1.6.L90.90,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud",SUBTITLES="subs"
v360hevc/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS="avc1.4d400d,mp4a.40.2",RESOLUTION=320x180
muxed/index.m3u8
`

func parse(t *testing.T, s string) *hls.Master {
	t.Helper()
	m, err := hls.ParseMaster([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// chromium answers isTypeSupported like Debian's headless Chromium: AVC,
// AV1 and AAC, no HEVC.
func chromium(mime string) bool {
	return !strings.Contains(mime, "hvc1") && !strings.Contains(mime, "hev1")
}

func TestPlayableVariants(t *testing.T) {
	m := parse(t, demuxedMaster)
	tests := []struct {
		name      string
		supported func(string) bool
		want      []int
		wantMIME  []string
	}{
		{"chromium: avc and av1, no hevc", chromium, []int{0, 1},
			[]string{`video/mp4; codecs="avc1.4d400d"`, `video/mp4; codecs="av01.0.04M.08"`}},
		{"everything", func(string) bool { return true }, []int{0, 1, 2}, nil},
		{"no av1 either", func(s string) bool { return chromium(s) && !strings.Contains(s, "av01") }, []int{0}, nil},
		{"no aac: demuxed unplayable, muxed too", func(s string) bool { return !strings.Contains(s, "mp4a") }, nil, nil},
		{"avc only with audio in one buffer", func(s string) bool { return s == `video/mp4; codecs="avc1.4d400d,mp4a.40.2"` }, []int{3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := PlayableVariants(m, tt.supported)
			var got []int
			for _, p := range ps {
				got = append(got, p.Index)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("indexes %v, want %v", got, tt.want)
			}
			for i, mime := range tt.wantMIME {
				if ps[i].VideoMIME != mime || ps[i].AudioMIME != `audio/mp4; codecs="mp4a.40.2"` || !ps[i].Demuxed {
					t.Errorf("variant %d: %+v", i, ps[i])
				}
			}
		})
	}
}

func TestPlayableMuxed(t *testing.T) {
	m := parse(t, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS=\"avc1.64001f,mp4a.40.2\"\nb.m3u8\n")
	ps := PlayableVariants(m, func(string) bool { return true })
	if len(ps) != 2 || ps[0].Demuxed || ps[0].AudioMIME != "" || ps[0].VideoMIME != `video/mp4; codecs="avc1.42e01e,mp4a.40.2"` {
		t.Fatalf("%+v", ps)
	}
}

func TestSplitFamily(t *testing.T) {
	v, a := Split([]string{"avc1.64001f", "mp4a.40.2", "ec-3", "av01.0.04M.08", "Opus"})
	if !reflect.DeepEqual(v, []string{"avc1.64001f", "av01.0.04M.08"}) || !reflect.DeepEqual(a, []string{"mp4a.40.2", "ec-3", "Opus"}) {
		t.Fatalf("split %v %v", v, a)
	}
	for in, want := range map[string]string{"AV01.0.04M.08": "av01", "ec-3": "ec-3", " hvc1.1 ": "hvc1", "hev1.1.6.L93.B0": "hvc1", "dvh1.05": "dvh1"} {
		if got := Family(in); got != want {
			t.Errorf("Family(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPickAudio(t *testing.T) {
	m := parse(t, demuxedMaster)
	audio := Group(m, "AUDIO", "aud")
	if len(audio) != 2 || audio[1].Language != "fr-CA" || audio[1].URI != "audio/fr/index.m3u8" || audio[1].Index != 1 {
		t.Fatalf("group: %+v", audio)
	}
	tests := []struct {
		name  string
		ts    []Track
		prefs []string
		want  int
	}{
		{"exact", audio, []string{"fr-CA"}, 1},
		{"primary subtag", audio, []string{"fr-FR", "en"}, 1},
		{"first preference wins", audio, []string{"en-GB", "fr"}, 0},
		{"no match: default", audio, []string{"de"}, 0},
		{"no match, no default: first", []Track{{Language: "es"}, {Language: "it"}}, []string{"de"}, 0},
		{"default not first", []Track{{Language: "es"}, {Language: "it", Default: true}}, nil, 1},
		{"empty preference skipped", audio, []string{"", "fr"}, 1},
		{"no tracks", nil, []string{"en"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PickAudio(tt.ts, tt.prefs); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPickSubtitle(t *testing.T) {
	m := parse(t, demuxedMaster)
	subs := Group(m, "SUBTITLES", "subs")
	defaultOn := []Track{{Language: "en", Default: true, Autoselect: true}}
	tests := []struct {
		name       string
		ts         []Track
		pref, lang string
		want       int
	}{
		{"chosen language", subs, "en", "en", 0},
		{"off", subs, Off, "en", -1},
		{"off still shows forced in audio language", subs, Off, "fr", 1},
		{"no choice, english audio", subs, "", "en", -1},
		{"no choice, default+autoselect shown", defaultOn, "", "en", 0},
		{"explicit off beats default", defaultOn, Off, "en", -1},
		{"unknown language falls back to off", subs, "de", "en", -1},
		{"none", nil, "en", "en", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PickSubtitle(tt.ts, tt.pref, tt.lang); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		t    Track
		want string
	}{{Track{Name: "English", Language: "en"}, "English"}, {Track{Language: "de"}, "de"}, {Track{}, "Track 3"}}
	for _, tt := range tests {
		if got := Label(tt.t, 2); got != tt.want {
			t.Errorf("Label(%+v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
