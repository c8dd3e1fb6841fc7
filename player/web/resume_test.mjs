// Unit tests of resume.js: node --test (run by TestJSUnits in js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { episodeLabel, findEpisode, finished, fraction, nextEpisode, offerNext, playFrom, resumeAt } from "./resume.js";

describe("resumeAt", () => {
  const cases = [
    { name: "nothing saved", pos: 0, dur: 600, want: 0 },
    { name: "too early to resume", pos: 9.9, dur: 600, want: 0 },
    { name: "resumes 3 s before", pos: 100, dur: 600, want: 97 },
    { name: "at the minimum", pos: 10, dur: 600, want: 7 },
    { name: "finished: in the last 30 s", pos: 575, dur: 600, want: 0 },
    { name: "at the credits' start", pos: 570, dur: 600, want: 0 },
    { name: "just before the credits", pos: 569, dur: 600, want: 566 },
    { name: "long film: the last 5 %", pos: 6840, dur: 7200, want: 0 },
    { name: "long film before its last 5 %", pos: 6830, dur: 7200, want: 6827 },
    { name: "unknown duration", pos: 100, dur: 0, want: 97 },
    { name: "NaN duration", pos: 100, dur: NaN, want: 97 },
    { name: "past the end", pos: 700, dur: 600, want: 0 },
    { name: "NaN position", pos: NaN, dur: 600, want: 0 },
    { name: "infinite position", pos: Infinity, dur: 600, want: 0 },
    { name: "negative position", pos: -5, dur: 600, want: 0 },
    { name: "short clip: the credits are at most half", pos: 20, dur: 30, want: 0 },
    { name: "short clip in its first half", pos: 12, dur: 30, want: 9 },
    { name: "clip of a minute: the last 30 s", pos: 29, dur: 60, want: 26 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(resumeAt(c.pos, c.dur), c.want));
  }
});

describe("finished", () => {
  const cases = [
    { name: "credits of a short episode", pos: 590, dur: 600, want: true },
    { name: "before them", pos: 560, dur: 600, want: false },
    { name: "unknown duration", pos: 10, dur: 0, want: false },
    { name: "negative duration", pos: 10, dur: -1, want: false },
    { name: "NaN position", pos: NaN, dur: 600, want: false },
    { name: "past the end", pos: 700, dur: 600, want: true },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(finished(c.pos, c.dur), c.want));
  }
});

describe("offerNext", () => {
  const cases = [
    { name: "credits", pos: 1285, dur: 1300, hasNext: true, want: true },
    { name: "at the last 20 s", pos: 1280, dur: 1300, hasNext: true, want: true },
    { name: "before the credits", pos: 1270, dur: 1300, hasNext: true, want: false },
    { name: "no next episode", pos: 1299, dur: 1300, hasNext: false, want: false },
    { name: "short episode: the last tenth", pos: 7.3, dur: 8, hasNext: true, want: true },
    { name: "short episode before its last tenth", pos: 7, dur: 8, hasNext: true, want: false },
    { name: "unknown duration", pos: 50, dur: 0, hasNext: true, want: false },
    { name: "infinite duration (live)", pos: 50, dur: Infinity, hasNext: true, want: false },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(offerNext(c.pos, c.dur, c.hasNext), c.want));
  }
});

describe("fraction", () => {
  const cases = [
    { name: "a quarter", pos: 30, dur: 120, want: 0.25 },
    { name: "past the end is whole", pos: 200, dur: 120, want: 1 },
    { name: "unknown duration", pos: 5, dur: 0, want: 0 },
    { name: "infinite position", pos: Infinity, dur: 10, want: 0 },
    { name: "negative position", pos: -1, dur: 10, want: 0 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(fraction(c.pos, c.dur), c.want));
  }
});

// series has two seasons; s1e3 is not playable and s2e1 has its season.
const ep = (id, number, extra) => ({ id, season: 0, number, name: "", synopsis: "", runtime_s: 1300, playable: null, ...extra });
const series = (progress) => ({
  id: "s", kind: "series", title: "Show", progress,
  seasons: [
    { number: 1, name: "", episodes: [ep("s1e1", 1), ep("s1e2", 2, { name: "Two" }), ep("s1e3", 3, { playable: false })] },
    { number: 2, name: "", episodes: [ep("s2e1", 1, { season: 2 }), ep("s2e2", 2)] },
  ],
});
const inSeason = (e, season) => ({ ...e, season });
const [s1e1, s1e2] = series(null).seasons[0].episodes;
const [s2e1, s2e2] = series(null).seasons[1].episodes;
const progress = (position_s, duration_s, episode_id) => ({ position_s, duration_s, episode_id });

describe("playFrom", () => {
  const cases = [
    { name: "movie without progress starts at 0", title: { kind: "movie", seasons: [], progress: null }, want: { episode: null, startAt: 0 } },
    { name: "movie resumes from its position", title: { kind: "movie", seasons: [], progress: progress(100, 600, "") }, want: { episode: null, startAt: 97 } },
    { name: "movie near its end restarts", title: { kind: "movie", seasons: [], progress: progress(590, 600, "") }, want: { episode: null, startAt: 0 } },
    { name: "movie watched for seconds restarts", title: { kind: "movie", seasons: [], progress: progress(5, 600, "") }, want: { episode: null, startAt: 0 } },
    { name: "series without progress: first episode", title: series(null), want: { episode: inSeason(s1e1, 1), startAt: 0 } },
    { name: "series resumes the episode in progress", title: series(progress(400, 1300, "s1e2")), want: { episode: inSeason(s1e2, 1), startAt: 397 } },
    { name: "episode in progress just started: from 0", title: series(progress(4, 1300, "s1e2")), want: { episode: inSeason(s1e2, 1), startAt: 0 } },
    { name: "finished episode: the next playable one, skipping the unplayable", title: series(progress(1290, 1300, "s1e2")), want: { episode: s2e1, startAt: 0 } },
    { name: "finished episode: next one within the season", title: series(progress(1290, 1300, "s1e1")), want: { episode: inSeason(s1e2, 1), startAt: 0 } },
    { name: "finished last episode restarts it", title: series(progress(1290, 1300, "s2e2")), want: { episode: inSeason(s2e2, 2), startAt: 0 } },
    { name: "unknown episode in progress: first episode", title: series(progress(400, 1300, "gone")), want: { episode: inSeason(s1e1, 1), startAt: 0 } },
    { name: "series without episodes plays as a movie", title: { kind: "series", seasons: [], progress: progress(100, 600, "") }, want: { episode: null, startAt: 97 } },
    {
      name: "series with no playable episode plays as a movie",
      title: { kind: "series", seasons: [{ number: 1, episodes: [ep("x", 1, { playable: false })] }], progress: null },
      want: { episode: null, startAt: 0 },
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(playFrom(c.title), c.want));
  }
});

describe("findEpisode and nextEpisode", () => {
  const t = series(null);
  const cases = [
    { name: "find fills in the season", got: () => findEpisode(t, "s1e1"), want: inSeason(s1e1, 1) },
    { name: "find keeps a season it has", got: () => findEpisode(t, "s2e1"), want: s2e1 },
    { name: "find without id", got: () => findEpisode(t, ""), want: null },
    { name: "find unknown id", got: () => findEpisode(t, "nope"), want: null },
    { name: "next across seasons skips the unplayable", got: () => nextEpisode(t, "s1e2"), want: s2e1 },
    { name: "next after an unplayable episode", got: () => nextEpisode(t, "s1e3"), want: s2e1 },
    { name: "no next after the last", got: () => nextEpisode(t, "s2e2"), want: null },
    { name: "no next after an unknown id", got: () => nextEpisode(t, "nope"), want: null },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(c.got(), c.want));
  }
});

describe("episodeLabel", () => {
  const cases = [
    { name: "season, number and name", ep: { season: 1, number: 2, name: "Two" }, want: "S1:E2 · Two" },
    { name: "no season", ep: { season: 0, number: 3, name: "" }, want: "E3" },
    { name: "no number", ep: { season: 2, number: 0, name: "Pilot" }, want: "S2:E0 · Pilot" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(episodeLabel(c.ep), c.want));
  }
});
