// The rules of a playback session that need no browser: the device report
// of POST /v1/playback (class and picture height), the position a
// heartbeat or the session's end sends, and the wait before retrying a
// failed heartbeat. node --test runs session_test.mjs against it.

const tvAgents = ["smart-tv", "smarttv", "googletv", "android tv", "appletv", "hbbtv", "netcast", "web0s", "webos",
  "tizen", "crkey", "aft", "bravia", "roku", "playstation", "xbox"];

// deviceClass guesses the device class from the user agent and the
// touch points; desktop is the default.
export function deviceClass(userAgent, touchPoints) {
  const ua = userAgent.toLowerCase();
  // "aft" is Amazon Fire TV's model prefix; it must start a word.
  if (tvAgents.some((tv) => ua.includes(tv) && (tv !== "aft" || ua.includes(" aft")))) return "tv";
  if (ua.includes("ipad") || ua.includes("tablet") || (ua.includes("android") && !ua.includes("mobile"))) return "tablet";
  if (ua.includes("iphone") || ua.includes("ipod") || ua.includes("mobile")) return "phone";
  if (ua.includes("macintosh") && touchPoints > 1) return "tablet"; // iPadOS presents itself as a Mac
  return "desktop";
}

// maxHeight is the tallest useful picture in device pixels: the screen's
// CSS height times the device pixel ratio (1 if unknown), 0 when that is
// not a sane height.
export function maxHeight(height, ratio) {
  const r = Number.isFinite(ratio) && ratio > 0 ? ratio : 1;
  const h = height * r;
  return h > 0 && h <= 1 << 20 ? Math.round(h) : 0;
}

// seconds is a position as the API takes it: whole seconds, 0 for
// anything that is not a finite non-negative number.
export const seconds = (pos) => (Number.isFinite(pos) && pos >= 0 ? Math.floor(pos) : 0);

// maxRetryDelayMs is the longest wait before retrying a heartbeat.
export const maxRetryDelayMs = 5000;

// retryDelay is the wait before heartbeat attempt failures+1: one second
// doubling per failure, at most 5 s and never more than the interval.
export function retryDelay(failures, intervalMs) {
  let d = 1000;
  for (let i = 1; i < failures && d < maxRetryDelayMs; i++) d *= 2;
  return Math.min(d, maxRetryDelayMs, intervalMs);
}
