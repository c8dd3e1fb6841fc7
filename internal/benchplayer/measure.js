// Installed by make bench-player into every player's page before playback
// is asked for; it scores every player the same way, from the video
// element alone. window.benchMeasure.start(bandwidths) starts the clock;
// report() returns the figures so far.
(() => {
  const v = document.getElementById("player") || document.querySelector("video");
  const m = {
    t0: 0, startup: -1, stalls: 0, stallMs: 0, stallAt: -1,
    bitSum: 0, playMs: 0, lastSample: -1, height: 0, switches: 0, heights: {}, errors: [],
  };
  let bw = {};
  const now = () => performance.now();
  const endStall = (t) => {
    if (m.stallAt >= 0) { m.stallMs += t - m.stallAt; m.stallAt = -1; }
  };
  v.addEventListener("playing", () => {
    const t = now();
    if (m.startup < 0) m.startup = t - m.t0;
    endStall(t);
    m.lastSample = t;
  });
  // A stall: the element ran out of data after playback started
  // (not a seek, not the end).
  v.addEventListener("waiting", () => {
    if (m.startup >= 0 && m.stallAt < 0 && !v.seeking && !v.ended) {
      m.stalls++;
      m.stallAt = now();
    }
  });
  v.addEventListener("timeupdate", () => {
    if (m.stallAt >= 0 && v.readyState >= 3) endStall(now());
  });
  v.addEventListener("error", () => m.errors.push("media error " + (v.error ? v.error.code : "?")));
  // The displayed rendition is the one whose height the element shows;
  // a change of height is a switch the viewer sees.
  v.addEventListener("resize", () => {
    if (v.videoHeight === 0) return;
    if (m.height !== 0 && v.videoHeight !== m.height) m.switches++;
    m.height = v.videoHeight;
    m.heights[m.height] = true;
  });
  const sample = () => {
    const t = now();
    const playing = m.startup >= 0 && m.stallAt < 0 && !v.paused && !v.ended;
    if (playing && m.lastSample >= 0) {
      const dt = t - m.lastSample;
      m.bitSum += (bw[v.videoHeight] || 0) * dt;
      m.playMs += dt;
    }
    m.lastSample = playing ? t : -1;
  };
  window.benchMeasure = {
    start(bandwidths) { bw = bandwidths; m.t0 = now(); setInterval(sample, 100); },
    error(msg) { m.errors.push(String(msg)); },
    report() {
      sample();
      const t = now();
      return {
        elapsedMs: t - m.t0,
        startupMs: m.startup,
        stalls: m.stalls,
        stallMs: m.stallMs + (m.stallAt >= 0 ? t - m.stallAt : 0),
        bitrate: m.playMs > 0 ? m.bitSum / m.playMs : 0,
        playMs: m.playMs,
        switches: m.switches,
        heights: Object.keys(m.heights).map(Number),
        currentTime: v.currentTime,
        state: "paused " + v.paused + ", readyState " + v.readyState + ", currentTime " + v.currentTime.toFixed(1),
        errors: m.errors.concat((window.edgeflixPlayer || {}).errors || []),
      };
    },
  };
})();
