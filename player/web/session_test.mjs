// Unit tests of session.js: node --test (run by TestJSUnits in
// js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { deviceClass, maxHeight, maxRetryDelayMs, retryDelay, seconds } from "./session.js";

describe("deviceClass", () => {
  const cases = [
    { name: "desktop Chrome", ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", touch: 0, want: "desktop" },
    { name: "Mac without touch", ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", touch: 0, want: "desktop" },
    { name: "iPadOS presents itself as a Mac", ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", touch: 5, want: "tablet" },
    { name: "iPhone", ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", touch: 5, want: "phone" },
    { name: "Android phone", ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", touch: 5, want: "phone" },
    { name: "Android tablet", ua: "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", touch: 5, want: "tablet" },
    { name: "iPad", ua: "Mozilla/5.0 (iPad; CPU OS 12_0 like Mac OS X)", touch: 5, want: "tablet" },
    { name: "Tizen TV", ua: "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 SamsungBrowser/4.0 TV Safari/537.36", touch: 0, want: "tv" },
    { name: "webOS TV", ua: "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 Chrome/87.0 Safari/537.36", touch: 0, want: "tv" },
    { name: "Android TV is no tablet", ua: "Mozilla/5.0 (Linux; Android 12; BRAVIA 4K) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", touch: 0, want: "tv" },
    { name: "Fire TV model word", ua: "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36", touch: 0, want: "tv" },
    { name: "aft inside a word is no Fire TV", ua: "Mozilla/5.0 (X11; Linux x86_64) Minecraft/1.20 Chrome/120.0", touch: 0, want: "desktop" },
    { name: "Chromecast", ua: "Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 CrKey/1.56.500000", touch: 0, want: "tv" },
    { name: "empty", ua: "", touch: 0, want: "desktop" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(deviceClass(c.ua, c.touch), c.want));
  }
});

describe("maxHeight", () => {
  const cases = [
    { name: "ratio 1", height: 1080, ratio: 1, want: 1080 },
    { name: "retina", height: 900, ratio: 2, want: 1800 },
    { name: "fractional ratio rounded", height: 1000, ratio: 1.25, want: 1250 },
    { name: "unknown ratio counts as 1", height: 720, ratio: undefined, want: 720 },
    { name: "zero ratio counts as 1", height: 720, ratio: 0, want: 720 },
    { name: "NaN ratio counts as 1", height: 720, ratio: NaN, want: 720 },
    { name: "no height", height: 0, ratio: 2, want: 0 },
    { name: "negative height", height: -1, ratio: 1, want: 0 },
    { name: "absurd height", height: 1 << 20, ratio: 2, want: 0 },
    { name: "largest sane height", height: 1 << 20, ratio: 1, want: 1 << 20 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(maxHeight(c.height, c.ratio), c.want));
  }
});

describe("seconds", () => {
  const cases = [
    { name: "whole seconds", pos: 12.9, want: 12 },
    { name: "zero", pos: 0, want: 0 },
    { name: "NaN", pos: NaN, want: 0 },
    { name: "infinite", pos: Infinity, want: 0 },
    { name: "negative", pos: -3, want: 0 },
    { name: "undefined", pos: undefined, want: 0 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(seconds(c.pos), c.want));
  }
});

describe("retryDelay", () => {
  const cases = [
    { name: "first failure", failures: 1, interval: 15000, want: 1000 },
    { name: "second doubles", failures: 2, interval: 15000, want: 2000 },
    { name: "third", failures: 3, interval: 15000, want: 4000 },
    { name: "capped", failures: 4, interval: 15000, want: maxRetryDelayMs },
    { name: "many failures stay capped", failures: 40, interval: 15000, want: maxRetryDelayMs },
    { name: "never more than the interval", failures: 3, interval: 2000, want: 2000 },
    { name: "no failure yet", failures: 0, interval: 15000, want: 1000 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(retryDelay(c.failures, c.interval), c.want));
  }
});
