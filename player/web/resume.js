// The resume and continue-watching rules (positions in seconds) and the
// order of a series' episodes: where a title or episode starts, when the
// viewer has finished it, when the next episode is offered. Titles are as
// decodeTitle (decode.js) reads them. Nothing here touches the browser, so
// node --test runs resume_test.mjs against it.

const valid = (x) => Number.isFinite(x) && x >= 0;

// finished: the viewer has reached the credits (the last 30 s or 5 %, at
// most half of the title).
export function finished(pos, dur) {
  if (!valid(pos) || !valid(dur) || dur === 0) return false;
  return pos >= dur - Math.min(Math.max(30, 0.05 * dur), dur / 2);
}

// resumeAt is where playback of a saved position starts: 0 under 10 s or
// when finished, else 3 s before it.
export function resumeAt(pos, dur) {
  if (!valid(pos) || pos < 10 || finished(pos, dur)) return 0;
  if (valid(dur) && dur > 0 && pos > dur) return 0;
  return Math.max(0, pos - 3);
}

// offerNext: show "next episode" in the last 20 s (or tenth).
export function offerNext(pos, dur, hasNext) {
  if (!hasNext || !valid(pos) || !valid(dur) || dur === 0) return false;
  return pos >= dur - Math.min(20, dur / 10);
}

// fraction is how much of the title has been watched, from 0 to 1.
export function fraction(pos, dur) {
  if (!valid(pos) || !valid(dur) || dur === 0) return 0;
  return Math.min(1, pos / dur);
}

// ---- episodes ----

const playable = (ep) => ep.playable !== false;
const withSeason = (ep, s) => (ep.season ? ep : { ...ep, season: s.number });

// episodeLabel names an episode: "S1:E2 · Name".
export function episodeLabel(ep) {
  let s = "E" + (ep.number || 0);
  if (ep.season > 0) s = "S" + ep.season + ":" + s;
  if (ep.name) s += " · " + ep.name;
  return s;
}

// findEpisode returns t's episode id with its season, null if there is
// none.
export function findEpisode(t, id) {
  if (!id) return null;
  for (const s of t.seasons) for (const ep of s.episodes) if (ep.id === id) return withSeason(ep, s);
  return null;
}

// nextEpisode returns the first playable episode after id, null if there
// is none.
export function nextEpisode(t, id) {
  let found = false;
  for (const s of t.seasons) {
    for (const ep of s.episodes) {
      if (found && playable(ep)) return withSeason(ep, s);
      if (ep.id === id) found = true;
    }
  }
  return null;
}

function firstEpisode(t) {
  for (const s of t.seasons) for (const ep of s.episodes) if (playable(ep)) return withSeason(ep, s);
  return null;
}

// playFrom decides what Play starts for t and where: {episode, startAt}.
// A movie (episode null) starts at its saved position (resumeAt). A series
// plays the episode in progress from its position, or the next playable
// one from 0 once that is finished; without an episode in progress, its
// first playable episode from 0; without any episodes it is played as a
// movie.
export function playFrom(t) {
  const p = t.progress;
  const pos = p ? p.position_s : 0, dur = p ? p.duration_s : 0, epID = p ? p.episode_id : "";
  if (t.kind === "series") {
    const ep = findEpisode(t, epID);
    if (ep) {
      const next = finished(pos, dur) ? nextEpisode(t, ep.id) : null;
      if (next) return { episode: next, startAt: 0 };
      return { episode: ep, startAt: resumeAt(pos, dur) };
    }
    const first = firstEpisode(t);
    if (first) return { episode: first, startAt: 0 };
  }
  return { episode: null, startAt: resumeAt(pos, dur) };
}
