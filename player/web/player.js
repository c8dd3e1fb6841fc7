// Playback in the web app: the device report for POST /v1/playback, the
// player chrome (menus, scrub bar with thumbnails, next episode), the
// session's heartbeat, end and QoE reports. The engine
// itself — MSE, HLS, ABR, CMCD, QoE measurement, token renewal, subtitles
// and thumbnails — is the Go module (player.wasm) behind window.edgeflix,
// which loader.js fetches from page load on; a play that comes before it
// has arrived shows the loading view with its progress bar. The rules
// that need no browser are resume.js (where to start, when to offer the
// next episode) and session.js (device report, heartbeat retries).
import { api, SignedOut } from "./api.js";
import { decodeTitle, json, problemOr, str, text } from "./decode.js";
import { byID, el, setStatus, show, clock, cssURL, localGet, localSet, missing } from "./dom.js";
import { episodeLabel, nextEpisode, offerNext, playFrom } from "./resume.js";
import { deviceClass, maxHeight, retryDelay, seconds } from "./session.js";

// Local storage keys for the viewer's choices.
const keyAudioLang = "edgeflix.audioLang";
const keySubtitleLang = "edgeflix.subtitleLang";
const keyCMCDMode = "edgeflix.cmcdMode"; // "query" (default), "headers" or "off"

const qoeIntervalMs = 30000; // how often a running session reports its QoE

// ---- device report ----

// candidateCodecs are asked of MediaSource.isTypeSupported, best first.
const candidateCodecs = ["avc1.640028", "avc1.4d401f", "avc1.42e01e", "hvc1.1.6.L120.90", "hev1.1.6.L120.90",
  "av01.0.08M.08", "vp09.00.40.08", "mp4a.40.2", "mp4a.40.5", "ec-3", "ac-3", "opus"];
const audioCodec = (c) => /^(mp4a|ec-3|ac-3|opus)/.test(c);

// caps describes this browser for POST /v1/playback.
export function caps() {
  const ms = window.MediaSource;
  const supported = (mime) => !!ms && ms.isTypeSupported(mime);
  return {
    class: deviceClass(navigator.userAgent, navigator.maxTouchPoints || 0),
    max_height: maxHeight(screen.height, window.devicePixelRatio),
    codecs: candidateCodecs.filter((c) => supported((audioCodec(c) ? "audio" : "video") + '/mp4; codecs="' + c + '"')),
    hdr: typeof window.matchMedia === "function" && matchMedia("(dynamic-range: high)").matches,
  };
}

// ---- the module ----

// engineAPI waits for the Go module, showing the loading view while it
// arrives.
async function engineAPI() {
  const load = window.edgeflixLoad || {};
  if (!load.ready) {
    byID("load-text").textContent = "Loading the player…";
    show("view-loading", true); // Back from the player still returns to the view before
  }
  return window.edgeflixModule;
}

// ---- playback ----

// now is the playback in progress: {player, session, title, episode,
// stopped, timers}; null when nothing plays.
let now = null;
let player = null; // the engine's player object, null when none

// playSummary plays a title from a card, the hero or the detail page: a
// movie from its saved position, a series from the episode in progress or
// its first episode (playFrom, resume.js). ctx supplies the app's
// withProfile, apiFailed and profile id.
export async function playSummary(ctx, t) {
  if (t.kind === "series" && t.seasons.length === 0) { // a summary: fetch the episodes
    try {
      const r = await api("GET", ctx.withProfile("/v1/titles/" + encodeURIComponent(t.id)));
      const d = r.status === 200 ? decodeTitle(json(r.body)) : null;
      if (d && d.id === t.id) {
        if (!d.progress) d.progress = t.progress;
        t = d;
      }
    } catch { /* play what the summary has */ }
  }
  const { episode, startAt } = playFrom(t);
  return playTitle(ctx, t, episode, startAt);
}

// playTitle starts a playback session (POST /v1/playback) and plays it.
export async function playTitle(ctx, t, ep, startAt) {
  const name = t.title + (ep ? " · " + episodeLabel(ep) : "");
  const asked = performance.now(); // video startup time starts here
  setStatus("Starting " + name + "…", false);
  const req = { title_id: t.id, device: caps() };
  if (ep) req.episode_id = ep.id;
  const profile = ctx.profileID();
  if (profile) req.profile_id = profile;
  let r;
  try {
    r = await api("POST", "/v1/playback", req);
  } catch (e) {
    return ctx.apiFailed(e);
  }
  if (r.status !== 201 && r.status !== 200) return setStatus("Cannot play " + name + ": " + problemOr(r.body, r.status), true);
  const a = json(r.body) || {};
  const s = { id: text(a.session_id), manifest: str(a.manifest_url), heartbeatS: typeof a.heartbeat_interval_s === "number" ? a.heartbeat_interval_s : 0 };
  if (!s.manifest) return setStatus("Cannot play " + name + ": bad playback answer", true);
  const languages = [];
  if (localGet(keyAudioLang)) languages.push(localGet(keyAudioLang));
  languages.push(...(navigator.languages || []));
  const session = { ...s, title: t, episode: ep, stopped: false, timers: [], ctx };
  await playURL(s.manifest, name, {
    autoplay: true, startAt, languages, subtitle: localGet(keySubtitleLang),
    session: s.id, content: t.id, cmcd: localGet(keyCMCDMode), askedAgoMs: () => performance.now() - asked,
  }, session);
}

// playURL shows the player and plays a master playlist; session is the
// playback session it belongs to (null for edgeflixPlay and ?play=).
export async function playURL(masterURL, name, opts, session) {
  await leavePlayback();
  let edgeflix;
  try {
    edgeflix = await engineAPI();
  } catch (e) {
    return setStatus("Could not start the player: " + e.message, true);
  }
  show("view-player", true);
  byID("now-playing").textContent = name;
  byID("next-episode").hidden = true;
  const video = byID("player");
  const o = { ...opts, maxHeight: caps().max_height };
  if (typeof o.askedAgoMs === "function") o.askedAgoMs = o.askedAgoMs();
  now = session;
  let p;
  try {
    p = await edgeflix.load(video, masterURL, o);
  } catch (e) {
    setStatus("Cannot play: " + e.message, true);
    if (session) {
      if (e.qoe) await postQoE(session, e.qoe, false);
      endSession(session, 0, false);
      if (now === session) now = null;
    }
    return;
  }
  if (session && now !== session) { // left while the engine was starting
    p.stop();
    return;
  }
  player = p;
  fillMenus(p.state());
  setStatus("", false);
  watch(p, session);
  if (session) {
    heartbeat(session);
    session.timers.push(setInterval(() => postQoE(session, p.qoe(false), false), qoeIntervalMs));
  }
  video.focus();
}

// fillMenus lists the engine's audio and subtitle tracks in the menus.
function fillMenus(st) {
  const am = byID("audio-menu");
  am.textContent = "";
  addTrackOptions(am, st.audioTracks, st.audioIndex);
  am.disabled = st.audioTracks.length < 2;
  const sm = byID("subtitle-menu");
  sm.textContent = "";
  const off = el("option", "", "Off");
  off.value = "-1";
  sm.appendChild(off);
  addTrackOptions(sm, st.subtitleTracks, st.subtitleIndex);
  sm.disabled = st.subtitleTracks.length === 0;
}

// addTrackOptions appends an option per track to menu, valued by the
// track's index, selecting the one at index selected.
function addTrackOptions(menu, tracks, selected) {
  tracks.forEach((t, i) => {
    const o = el("option", "", t.name);
    o.value = String(i);
    o.selected = i === selected;
    o.dataset.language = t.language;
    menu.appendChild(o);
  });
}

// watch refreshes the stats line, the scrub bar and the next-episode
// prompt while p plays.
function watch(p, session) {
  const video = byID("player"), scrub = byID("scrub");
  const timer = setInterval(() => {
    if (player !== p) return clearInterval(timer);
    const st = p.state();
    byID("player-stats").textContent = p.stats();
    if (st.state === "error" && st.errors.length > 0) {
      setStatus("Playback failed: " + st.errors[st.errors.length - 1], true);
      return clearInterval(timer);
    }
    const pos = video.currentTime, dur = video.duration;
    if (dur > 0 && Number.isFinite(dur)) {
      scrub.max = dur.toFixed(1);
      if (scrub.dataset.dragging !== "1") scrub.value = pos.toFixed(1);
    }
    if (!session || !session.episode) return;
    const next = nextEpisode(session.title, session.episode.id);
    const prompt = byID("next-episode");
    if (offerNext(pos, dur, !!next)) {
      if (prompt.hidden) {
        byID("next-episode-name").textContent = "Up next: " + episodeLabel(next);
        prompt.hidden = false;
        byID("next-episode-play").focus();
      }
    } else {
      prompt.hidden = true;
    }
  }, 500);
}

// heartbeat renews the session's stream lease every heartbeat interval
// with its position; each answer carries a renewed playback token, which
// the engine uses for every later fetch (the old one stays valid until its
// exp). A failed heartbeat (network, 429, 5xx) is retried soon. 409 means
// the lease is gone (too many screens, or the device was signed out):
// playback stops with a message. Without the endpoint (404) it ends
// quietly.
function heartbeat(s) {
  if (!s.id || s.heartbeatS <= 0) return;
  let interval = s.heartbeatS * 1000, failures = 0;
  const beat = async () => {
    if (s.stopped) return;
    let r = null;
    try {
      r = await api("POST", "/v1/playback/" + encodeURIComponent(s.id) + "/heartbeat", { position_s: seconds(byID("player").currentTime) });
    } catch (e) {
      if (e instanceof SignedOut) return;
    }
    if (s.stopped) return;
    if (!r || r.status === 429 || r.status >= 500) {
      failures++;
      s.timers.push(setTimeout(beat, retryDelay(failures, interval)));
      return;
    }
    if (missing(r.status)) return;
    if (r.status === 409) {
      if (now === s) {
        stopEngine();
        endSession(s, 0, false, true);
        now = null;
        setStatus("Playback stopped: too many screens are playing on this account, or this device was signed out.", true);
      }
      return;
    }
    if (r.status === 200) {
      failures = 0;
      const a = json(r.body) || {};
      if (typeof a.heartbeat_interval_s === "number" && a.heartbeat_interval_s > 0) interval = a.heartbeat_interval_s * 1000;
      if (now === s && player && str(a.manifest_url)) player.renew(a.manifest_url);
    }
    s.timers.push(setTimeout(beat, interval));
  };
  s.timers.push(setTimeout(beat, interval));
}

function stopEngine() {
  if (player) player.stop();
  byID("player").pause();
  byID("thumb-preview").hidden = true;
  byID("next-episode").hidden = true;
}

// leavePlayback stops the player and ends the session, saving the
// position (DELETE /v1/playback/{sid}).
export async function leavePlayback() {
  const s = now, p = player;
  now = null;
  const pos = byID("player").currentTime;
  stopEngine();
  player = null;
  if (s) await endSession(s, pos, false, false, p);
}

// endSession stops s's timers, sends the final QoE report and tells the
// origin where the viewer stopped; keepalive lets the requests outlive
// the page. leaseGone skips both: the lease has ended already.
async function endSession(s, pos, keepalive, leaseGone, p) {
  if (s.stopped) return;
  s.stopped = true;
  for (const t of s.timers) clearTimeout(t);
  if (!s.id || leaseGone) return;
  p = p || player;
  // The final report goes before the lease ends (the origin refuses
  // reports of an ended session); when the page is going away both go out
  // at once with keepalive.
  if (p) {
    const sent = postQoE(s, p.qoe(true), keepalive);
    if (!keepalive) await sent;
  }
  const path = "/v1/playback/" + encodeURIComponent(s.id);
  try {
    await api("DELETE", path, { position_s: seconds(pos) }, { keepalive });
  } catch { /* the lease expires on its own */ }
}

// postQoE posts a QoE report body the engine made; the promise settles
// when the origin has answered (a failed report is dropped).
function postQoE(s, body, keepalive) {
  if (!body || !s.id) return Promise.resolve();
  return api("POST", "/v1/playback/" + encodeURIComponent(s.id) + "/qoe", body, { keepalive }).catch(() => {});
}

// preview shows the scrub thumbnail for time t at x pixels (x < 0: at the
// range's value).
function preview(t, x) {
  const box = byID("thumb-preview");
  const th = player ? player.thumbnail(t) : null;
  if (!th) {
    box.hidden = true;
    return;
  }
  const scrub = byID("scrub");
  if (x < 0) {
    const d = parseFloat(scrub.max);
    if (d > 0) x = (scrub.clientWidth * t) / d;
  }
  const s = byID("thumb-image").style;
  s.backgroundImage = "url(" + cssURL(th.url) + ")";
  if (th.w > 0) {
    s.width = th.w + "px";
    s.height = th.h + "px";
    s.backgroundPosition = "-" + th.x + "px -" + th.y + "px";
    s.backgroundSize = "auto";
  } else {
    s.width = "160px";
    s.height = "90px";
    s.backgroundPosition = "0 0";
    s.backgroundSize = "cover";
  }
  byID("thumb-time").textContent = clock(t);
  box.style.left = Math.max(0, x - th.w / 2).toFixed(0) + "px";
  box.hidden = false;
}

function playNextEpisode() {
  const s = now;
  if (!s || !s.episode) return;
  const next = nextEpisode(s.title, s.episode.id);
  if (next) playTitle(s.ctx, s.title, next, 0);
}

// bindPlayer wires the player chrome.
export function bindPlayer() {
  // A menu's choice goes to the engine, then into local storage as the
  // track's language (subtitles off: "off").
  const bindMenu = (id, what, set, tracks, key) => byID(id).addEventListener("change", async () => {
    const i = Number(byID(id).value);
    const p = player;
    if (!p) return;
    try {
      await set(p, i);
    } catch (e) {
      return setStatus("Could not switch " + what + ": " + e.message, true);
    }
    const t = tracks(p.state())[i];
    if (t || key === keySubtitleLang) localSet(key, t ? t.language : "off");
  });
  bindMenu("audio-menu", "audio", (p, i) => p.setAudio(i), (st) => st.audioTracks, keyAudioLang);
  bindMenu("subtitle-menu", "subtitles", (p, i) => p.setSubtitle(i), (st) => st.subtitleTracks, keySubtitleLang);
  byID("next-episode-play").addEventListener("click", playNextEpisode);
  const scrub = byID("scrub");
  scrub.addEventListener("input", () => {
    scrub.dataset.dragging = "1";
    preview(scrub.valueAsNumber, -1);
  });
  scrub.addEventListener("change", () => {
    scrub.dataset.dragging = "";
    byID("player").currentTime = scrub.valueAsNumber;
    byID("thumb-preview").hidden = true;
  });
  scrub.addEventListener("mousemove", (ev) => {
    const w = scrub.clientWidth, d = parseFloat(scrub.max);
    if (w > 0 && d > 0) preview((d * ev.offsetX) / w, ev.offsetX);
  });
  scrub.addEventListener("mouseleave", () => {
    if (scrub.dataset.dragging !== "1") byID("thumb-preview").hidden = true;
  });
  // Leaving the page ends the session and saves the position.
  addEventListener("pagehide", () => {
    if (now) endSession(now, byID("player").currentTime, true);
  });
}

