// Defensive readers of the origin's JSON answers: each takes whatever
// JSON.parse returned and yields the shape the views use, with "", 0, []
// or null where a field is missing or of the wrong type. Nothing here
// touches the browser, so node --test runs decode_test.mjs against it.

// str returns v if it is a string, else "".
export const str = (v) => (typeof v === "string" ? v : "");
// text returns a string or a number as a string (ids), else "".
export const text = (v) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
// num returns v if it is a finite number, else 0.
export const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
// arr returns v if it is an array, else [].
export const arr = (v) => (Array.isArray(v) ? v : []);
// obj returns v if it is a JSON object (not an array), else null.
export const obj = (v) => (v && typeof v === "object" && !Array.isArray(v) ? v : null);

// json parses an API answer, null when it is not JSON.
export function json(body) {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

// problemDetail extracts a human message from an RFC 9457 problem body:
// its detail, else its title, else the body itself when it is no JSON
// object.
export function problemDetail(body) {
  try {
    const p = JSON.parse(body);
    if (p && typeof p === "object") return str(p.detail) || str(p.title);
  } catch { /* not JSON */ }
  return String(body || "").trim();
}

// problemOr is problemDetail, or "HTTP <status>" when that is empty.
export const problemOr = (body, status) => problemDetail(body) || "HTTP " + status;

// names reads strings, objects with a name (or slug), or one
// comma-separated string.
export function names(v) {
  if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter(Boolean);
  return arr(v).map((it) => (typeof it === "string" ? it : obj(it) ? str(it.name) || str(it.slug) : "")).filter(Boolean);
}

// decodeTitle reads a title summary or detail; null if v is no object.
export function decodeTitle(v) {
  v = obj(v);
  if (!v) return null;
  const p = obj(v.progress);
  return {
    id: text(v.id), kind: str(v.kind), title: str(v.title), synopsis: str(v.synopsis), year: num(v.year),
    maturity: str(v.maturity), runtime_s: num(v.runtime_s), poster_url: str(v.poster_url), backdrop_url: str(v.backdrop_url),
    genres: names(v.genres), cast: names(v.cast), in_my_list: v.in_my_list === true,
    progress: p ? { position_s: num(p.position_s), duration_s: num(p.duration_s), episode_id: text(p.episode_id) } : null,
    seasons: arr(v.seasons).map(obj).filter(Boolean).map((s) => ({
      number: num(s.number), name: str(s.name),
      episodes: arr(s.episodes).map(obj).filter(Boolean).map((e) => ({
        id: text(e.id), season: num(e.season), number: num(e.number), name: str(e.name), synopsis: str(e.synopsis),
        runtime_s: num(e.runtime_s), playable: typeof e.playable === "boolean" ? e.playable : null,
      })),
    })),
  };
}

// decodeTitles reads a list of titles, dropping what is no object.
export const decodeTitles = (v) => arr(v).map(decodeTitle).filter(Boolean);

// decodeRows reads the rows of GET /v1/browse/home.
export const decodeRows = (v) => arr((obj(v) || {}).rows).map(obj).filter(Boolean)
  .map((r) => ({ id: text(r.id), title: str(r.title), items: decodeTitles(r.items) }));

// listItems reads a bare array, or {"items":[…]} and {"<alt>":[…]}.
export function listItems(v, alt) {
  if (Array.isArray(v)) return v;
  v = obj(v) || {};
  return [...arr(v.items), ...arr(v[alt])];
}

// decodeProfile reads a profile object.
export const decodeProfile = (p) => ({ id: text(p.id), name: str(p.name), kids: p.kids === true, has_pin: p.has_pin === true });

// decodeProfiles reads GET /v1/profiles.
export const decodeProfiles = (v) => listItems(v, "profiles").map(obj).filter(Boolean).map(decodeProfile);

// decodeDevices reads GET /v1/devices.
export const decodeDevices = (v) => listItems(v, "devices").map(obj).filter(Boolean).map((d) => ({
  id: text(d.id), name: str(d.name), class: str(d.class), last_seen: str(d.last_seen), current: d.current === true,
}));
