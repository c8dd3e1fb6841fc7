package benchplayer

import (
	"embed"
	"io/fs"
)

// Player is one player under test: the page it runs in (under the web
// app's /app/), what says its code has loaded, and how it is asked to play
// the master URL (a JS string literal in place of URL) once measure.js
// started the clock.
type Player struct {
	Name string
	// Page is the path under the app, "" for the app itself.
	Page string
	// Ready is a JS expression, true once the player's code has loaded.
	Ready string
	// Play is JS that starts playback of URL into the page's video#player.
	Play string
	// Files are the code a viewer downloads for it, under the app's
	// folder.
	Files []string
}

// Players are the three players, edgeflix's own first.
var Players = []Player{
	{
		Name:  "edgeflix",
		Ready: `typeof window.edgeflixPlay === "function"`,
		Play:  `document.getElementById("player").muted = true; window.edgeflixPlay(URL);`,
		Files: []string{"player.wasm", "wasm_exec.js", "loader.js"},
	},
	{
		// enableWorker off: the app's CSP admits no blob: worker, and
		// fMP4 needs no transmuxing. Everything else is hls.js's default.
		Name:  "hls.js",
		Page:  "bench-hls.html",
		Ready: `typeof window.Hls === "function"`,
		Play: `(() => {
  const v = document.getElementById("player");
  v.autoplay = true;
  const h = new Hls({enableWorker: false});
  window.benchHls = h;
  h.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) benchMeasure.error("hls.js: " + d.details); });
  h.attachMedia(v);
  h.loadSource(URL);
})();`,
		Files: []string{"hls.min.js"},
	},
	{
		Name:  "shaka",
		Page:  "bench-shaka.html",
		Ready: `typeof window.shaka === "object"`,
		Play: `(() => {
  const v = document.getElementById("player");
  v.autoplay = true;
  shaka.polyfill.installAll();
  const p = new shaka.Player();
  window.benchShaka = p;
  p.addEventListener("error", (e) => benchMeasure.error("shaka: " + e.detail.code));
  p.attach(v).then(() => p.load(URL)).catch((e) => benchMeasure.error("shaka: " + (e.code || e)));
})();`,
		Files: []string{"shaka-player.compiled.js"},
	},
}

// Libraries maps the JS players' files to their place in the npm
// packages scripts/bench-player-deps.sh installs.
var Libraries = map[string]string{
	"hls.min.js":               "hls.js/dist/hls.min.js",
	"shaka-player.compiled.js": "shaka-player/dist/shaka-player.compiled.js",
}

//go:embed measure.js
var MeasureJS string

//go:embed pages
var pages embed.FS

// Pages are the JS players' bench pages (bench-hls.html, bench-shaka.html).
var Pages, _ = fs.Sub(pages, "pages")
