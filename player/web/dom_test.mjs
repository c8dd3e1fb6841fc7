// Unit tests of dom.js's formatting helpers: node --test (run by
// TestJSUnits in js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { clock, cssURL, factsLine, minutes, missing, percent, shortDate } from "./dom.js";

describe("clock", () => {
  const cases = [
    { name: "zero", t: 0, want: "0:00" },
    { name: "fraction dropped", t: 9.99, want: "0:09" },
    { name: "minutes", t: 65, want: "1:05" },
    { name: "just under an hour", t: 3599, want: "59:59" },
    { name: "an hour", t: 3600, want: "1:00:00" },
    { name: "hours, minutes and seconds", t: 3723.5, want: "1:02:03" },
    { name: "over ten hours", t: 36000 + 61, want: "10:01:01" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(clock(c.t), c.want));
  }
});

// cssURL's result goes into style properties as url(…): nothing in it may
// end the string or the url( or start a new line.
describe("cssURL", () => {
  const cases = [
    { name: "plain URL", u: "https://cdn.example/p/1.jpg", want: '"https://cdn.example/p/1.jpg"' },
    { name: "query and spaces kept", u: "https://c/p.jpg?a=1&b=two words", want: '"https://c/p.jpg?a=1&b=two words"' },
    { name: "double quote", u: 'https://c/a"b.jpg', want: '"https://c/a%22b.jpg"' },
    { name: "closing parenthesis", u: "https://c/a).jpg", want: '"https://c/a%29.jpg"' },
    { name: "backslash", u: "https://c/a\\b.jpg", want: '"https://c/a%5Cb.jpg"' },
    { name: "newline dropped", u: "https://c/a\nb.jpg", want: '"https://c/ab.jpg"' },
    { name: "breakout attempt", u: 'x"),url("https://evil/', want: '"x%22%29,url(%22https://evil/"' },
    { name: "every special character, repeated", u: '""))\\\\\n\n', want: '"%22%22%29%29%5C%5C"' },
    { name: "single quote and opening parenthesis are harmless inside double quotes", u: "a'(b", want: "\"a'(b\"" },
    { name: "empty", u: "", want: '""' },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(cssURL(c.u), c.want));
  }
});

describe("percent", () => {
  const cases = [
    { name: "zero", f: 0, want: "0.0%" },
    { name: "one decimal", f: 0.425, want: "42.5%" },
    { name: "rounded", f: 1 / 3, want: "33.3%" },
    { name: "whole", f: 1, want: "100.0%" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(percent(c.f), c.want));
  }
});

describe("minutes", () => {
  const cases = [
    { name: "rounded up", s: 61, want: "2 min" },
    { name: "exact", s: 600, want: "10 min" },
    { name: "a second", s: 1, want: "1 min" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(minutes(c.s), c.want));
  }
});

// shortDate writes local time: the dates are made in local time too, so
// the cases hold in any TZ.
describe("shortDate", () => {
  const cases = [
    { name: "Go's reference time", d: new Date(2006, 0, 2, 15, 4, 5), want: "2 Jan 2006 15:04" },
    { name: "padded hours and minutes, day not padded", d: new Date(2026, 11, 5, 7, 3), want: "5 Dec 2026 07:03" },
    { name: "midnight", d: new Date(2026, 8, 30, 0, 0, 59), want: "30 Sep 2026 00:00" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(shortDate(c.d), c.want));
  }
});

describe("missing", () => {
  const cases = [
    { status: 404, want: true }, { status: 405, want: true }, { status: 501, want: true },
    { status: 200, want: false }, { status: 400, want: false }, { status: 410, want: false }, { status: 500, want: false },
  ];
  for (const c of cases) {
    test(String(c.status), () => assert.equal(missing(c.status), c.want));
  }
});

describe("factsLine", () => {
  const cases = [
    { name: "film: year and runtime", t: { year: 2024, kind: "movie", runtime_s: 5400, seasons: [] }, want: "2024 · 90 min" },
    { name: "runtime rounded up", t: { year: 2024, kind: "movie", runtime_s: 5401, seasons: [] }, want: "2024 · 91 min" },
    { name: "series: seasons, not runtime", t: { year: 2019, kind: "series", runtime_s: 3000, seasons: [{}, {}] }, want: "2019 · 2 seasons" },
    { name: "one season", t: { year: 2019, kind: "series", runtime_s: 0, seasons: [{}] }, want: "2019 · 1 season" },
    { name: "series without seasons falls back to runtime", t: { year: 2019, kind: "series", runtime_s: 1800, seasons: [] }, want: "2019 · 30 min" },
    { name: "unknown year", t: { year: 0, kind: "movie", runtime_s: 600, seasons: [] }, want: "10 min" },
    { name: "nothing known", t: { year: 0, kind: "movie", runtime_s: 0, seasons: [] }, want: "" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(factsLine(c.t), c.want));
  }
});
