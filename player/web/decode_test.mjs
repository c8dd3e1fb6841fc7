// Unit tests of decode.js: node --test (run by TestJSUnits in js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { rand, scramble } from "./fuzz.mjs";
import { decodeDevices, decodeProfiles, decodeRows, decodeTitle, decodeTitles, json, listItems, names, problemDetail, problemOr } from "./decode.js";

// empty is decodeTitle's answer for an object without any usable field.
const empty = {
  id: "", kind: "", title: "", synopsis: "", year: 0, maturity: "", runtime_s: 0, poster_url: "", backdrop_url: "",
  genres: [], cast: [], in_my_list: false, progress: null, seasons: [],
};

describe("decodeTitle", () => {
  const cases = [
    { name: "null", in: null, want: null },
    { name: "undefined", in: undefined, want: null },
    { name: "array", in: [{ id: "t1" }], want: null },
    { name: "string", in: "t1", want: null },
    { name: "number", in: 7, want: null },
    { name: "true", in: true, want: null },
    { name: "empty object", in: {}, want: empty },
    {
      name: "full summary",
      in: {
        id: "t1", kind: "movie", title: "Big Buck Bunny", synopsis: "A rabbit.", year: 2008, maturity: "PG", runtime_s: 596,
        poster_url: "https://i/p.jpg", backdrop_url: "https://i/b.jpg", genres: ["Animation", "Comedy"], cast: ["Bunny"],
        in_my_list: true, progress: { position_s: 120, duration_s: 596 },
      },
      want: {
        ...empty, id: "t1", kind: "movie", title: "Big Buck Bunny", synopsis: "A rabbit.", year: 2008, maturity: "PG", runtime_s: 596,
        poster_url: "https://i/p.jpg", backdrop_url: "https://i/b.jpg", genres: ["Animation", "Comedy"], cast: ["Bunny"],
        in_my_list: true, progress: { position_s: 120, duration_s: 596, episode_id: "" },
      },
    },
    { name: "numeric id as text", in: { id: 42 }, want: { ...empty, id: "42" } },
    {
      name: "wrong types read as zero values",
      in: { id: true, kind: 1, title: ["x"], synopsis: {}, year: "2008", maturity: null, runtime_s: "596", poster_url: 5, backdrop_url: false, in_my_list: "yes" },
      want: empty,
    },
    { name: "in_my_list must be true", in: { in_my_list: 1 }, want: empty },
    { name: "progress not an object", in: { progress: 120 }, want: empty },
    { name: "progress an array", in: { progress: [120, 596] }, want: empty },
    {
      name: "progress with bad fields",
      in: { progress: { position_s: "120", duration_s: null, episode_id: 9 } },
      want: { ...empty, progress: { position_s: 0, duration_s: 0, episode_id: "9" } },
    },
    { name: "genres and cast as one comma-separated string", in: { genres: "Drama, Comedy,,", cast: " A ,B" }, want: { ...empty, genres: ["Drama", "Comedy"], cast: ["A", "B"] } },
    {
      name: "genres as objects with name or slug",
      in: { genres: [{ name: "Drama" }, { slug: "sci-fi" }, { name: 1, slug: "horror" }, {}, null, 7, ["x"], "Comedy"] },
      want: { ...empty, genres: ["Drama", "sci-fi", "horror", "Comedy"] },
    },
    { name: "genres not a list", in: { genres: 7, cast: { name: "A" } }, want: empty },
    { name: "seasons not a list", in: { seasons: { number: 1 } }, want: empty },
    {
      name: "seasons and episodes that are no objects are dropped",
      in: { kind: "series", seasons: [null, 1, "s", [], { number: 1, name: "One", episodes: [null, "e", { id: "e1", number: 1, playable: false }, { id: 2, season: 1, runtime_s: 60, playable: "yes" }] }] },
      want: {
        ...empty, kind: "series", seasons: [{
          number: 1, name: "One", episodes: [
            { id: "e1", season: 0, number: 1, name: "", synopsis: "", runtime_s: 0, playable: false },
            { id: "2", season: 1, number: 0, name: "", synopsis: "", runtime_s: 60, playable: null },
          ],
        }],
      },
    },
    { name: "season with bad fields", in: { seasons: [{ number: "1", name: 2, episodes: "e1" }] }, want: { ...empty, seasons: [{ number: 0, name: "", episodes: [] }] } },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(decodeTitle(c.in), c.want));
  }
});

// A title as the views read it, whatever the answer held.
function assertTitleShape(t, input) {
  const at = JSON.stringify(input);
  const isString = (v) => typeof v === "string";
  const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
  for (const k of ["id", "kind", "title", "synopsis", "maturity", "poster_url", "backdrop_url"]) assert.ok(isString(t[k]), k + " of " + at);
  for (const k of ["year", "runtime_s"]) assert.ok(isNumber(t[k]), k + " of " + at);
  for (const k of ["genres", "cast"]) assert.ok(Array.isArray(t[k]) && t[k].every((n) => isString(n) && n !== ""), k + " of " + at);
  assert.equal(typeof t.in_my_list, "boolean", at);
  const p = t.progress;
  assert.ok(p === null || (isNumber(p.position_s) && isNumber(p.duration_s) && isString(p.episode_id)), "progress of " + at);
  assert.ok(Array.isArray(t.seasons), at);
  for (const s of t.seasons) {
    assert.ok(isNumber(s.number) && isString(s.name) && Array.isArray(s.episodes), "season of " + at);
    for (const e of s.episodes) {
      assert.ok(isString(e.id) && isNumber(e.season) && isNumber(e.number) && isString(e.name) && isString(e.synopsis) && isNumber(e.runtime_s), "episode of " + at);
      assert.ok(e.playable === null || typeof e.playable === "boolean", "playable of " + at);
    }
  }
}

test("decodeTitle reads scrambled answers into a title or null", () => {
  const r = rand(2008);
  const full = {
    id: "t1", kind: "series", title: "Show", synopsis: "S.", year: 2008, maturity: "PG", runtime_s: 596, poster_url: "https://i/p.jpg",
    backdrop_url: "https://i/b.jpg", genres: ["Drama", { name: "Comedy" }, { slug: "sci-fi" }], cast: "A, B", in_my_list: true,
    progress: { position_s: 120, duration_s: 596, episode_id: "e2" },
    seasons: [{ number: 1, name: "One", episodes: [{ id: "e1", season: 1, number: 1, name: "Pilot", synopsis: "P.", runtime_s: 60, playable: true },
      { id: 2, number: 2, playable: false }] }],
  };
  let titles = 0, episodes = 0;
  for (let i = 0; i < 3000; i++) {
    const v = scramble(full, r);
    const t = decodeTitle(v);
    const isObject = v !== null && typeof v === "object" && !Array.isArray(v);
    assert.equal(t !== null, isObject, JSON.stringify(v));
    if (t) {
      titles++;
      assertTitleShape(t, v);
      for (const s of t.seasons) episodes += s.episodes.length;
    }
  }
  assert.ok(titles > 1000 && episodes > 1000, titles + " titles, " + episodes + " episodes drawn: the test checks little");
});

describe("decodeTitles", () => {
  const cases = [
    { name: "not a list", in: { items: [] }, want: [] },
    { name: "drops what is no object", in: [null, { id: "a" }, "b", [], { id: 3 }], want: [{ ...empty, id: "a" }, { ...empty, id: "3" }] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(decodeTitles(c.in), c.want));
  }
});

describe("decodeRows", () => {
  const cases = [
    { name: "null", in: null, want: [] },
    { name: "rows not a list", in: { rows: {} }, want: [] },
    { name: "array instead of object", in: [{ id: "r" }], want: [] },
    {
      name: "rows with bad fields",
      in: { rows: [null, { id: 1, title: 2, items: "t" }, { id: "continue-watching", title: "Continue", items: [{ id: "t1" }, 5] }] },
      want: [{ id: "1", title: "", items: [] }, { id: "continue-watching", title: "Continue", items: [{ ...empty, id: "t1" }] }],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(decodeRows(c.in), c.want));
  }
});

describe("listItems", () => {
  const cases = [
    { name: "bare array", in: [1, 2], alt: "profiles", want: [1, 2] },
    { name: "items", in: { items: [1] }, alt: "profiles", want: [1] },
    { name: "alt key", in: { profiles: [2] }, alt: "profiles", want: [2] },
    { name: "items then alt", in: { items: [1], profiles: [2] }, alt: "profiles", want: [1, 2] },
    { name: "items not a list", in: { items: { a: 1 } }, alt: "profiles", want: [] },
    { name: "null", in: null, alt: "profiles", want: [] },
    { name: "string", in: "items", alt: "profiles", want: [] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(listItems(c.in, c.alt), c.want));
  }
});

describe("decodeProfiles", () => {
  const cases = [
    { name: "not JSON's object or list", in: 7, want: [] },
    {
      name: "flags must be true, ids may be numbers",
      in: { profiles: [{ id: 1, name: "Ann", kids: true, has_pin: "yes" }, null, { id: "p2", name: 5, kids: 1, has_pin: true }] },
      want: [{ id: "1", name: "Ann", kids: true, has_pin: false }, { id: "p2", name: "", kids: false, has_pin: true }],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(decodeProfiles(c.in), c.want));
  }
});

describe("decodeDevices", () => {
  const cases = [
    { name: "null", in: null, want: [] },
    {
      name: "bad fields",
      in: [{ id: 3, name: null, class: "tv", last_seen: 12, current: "true" }, "d", { id: "d2", current: true }],
      want: [{ id: "3", name: "", class: "tv", last_seen: "", current: false }, { id: "d2", name: "", class: "", last_seen: "", current: true }],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(decodeDevices(c.in), c.want));
  }
});

describe("names", () => {
  const cases = [
    { name: "empty string", in: "", want: [] },
    { name: "null", in: null, want: [] },
    { name: "strings kept as they are", in: [" a ", ""], want: [" a "] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(names(c.in), c.want));
  }
});

describe("json", () => {
  const cases = [
    { name: "object", body: `{"a":1}`, want: { a: 1 } },
    { name: "null literal", body: "null", want: null },
    { name: "not JSON", body: "<html>", want: null },
    { name: "empty", body: "", want: null },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(json(c.body), c.want));
  }
});

describe("problemDetail and problemOr", () => {
  const cases = [
    { name: "detail", body: `{"title":"Conflict","detail":"email taken"}`, want: "email taken" },
    { name: "title without detail", body: `{"title":"Conflict"}`, want: "Conflict" },
    { name: "non-string detail falls back to title", body: `{"title":"Conflict","detail":5}`, want: "Conflict" },
    { name: "object without either", body: `{"status":409}`, want: "", or: "HTTP 409" },
    { name: "array", body: `[1]`, want: "", or: "HTTP 409" },
    { name: "plain text, trimmed", body: " too many requests\n", want: "too many requests" },
    { name: "JSON string is text", body: `"x"`, want: `"x"` },
    { name: "empty body", body: "", want: "", or: "HTTP 409" },
    { name: "no body", body: undefined, want: "", or: "HTTP 409" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(problemDetail(c.body), c.want);
      assert.equal(problemOr(c.body, 409), c.or || c.want);
    });
  }
});
