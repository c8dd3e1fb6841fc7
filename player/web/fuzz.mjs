// Seeded random inputs for the tests' mutation and random-value loops,
// which stand in for the Go fuzz targets the views had: a failing run
// repeats with the same seed. Not a test file, and not served.

// rand is a seeded PRNG (mulberry32), so a failing run repeats.
export function rand(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// mutate replaces, inserts or deletes up to four characters of s, drawn
// from those that matter to JSON and queries.
export function mutate(s, r) {
  const alphabet = `{}[]":,=&?%+ 0123456789.-eabrtBcodstaterrorn\\`;
  for (let n = 1 + Math.floor(r() * 4); n > 0; n--) {
    const i = Math.floor(r() * (s.length + 1)), c = alphabet[Math.floor(r() * alphabet.length)];
    const op = r();
    s = op < 0.4 ? s.slice(0, i) + c + s.slice(i + 1) : op < 0.7 ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + s.slice(i + 1);
  }
  return s;
}

// randomJSON returns a random JSON value nested at most depth deep.
function randomJSON(r, depth) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  switch (Math.floor(r() * (depth <= 0 ? 3 : 5))) {
    case 0: return pick([null, true, false, [], {}]);
    case 1: return pick([0, 1, -1, 2.5, 1e308, 42, 2008]);
    case 2: return pick(["", "a", "1", " x , y ,", "series", "movie"]);
    case 3: return Array.from({ length: Math.floor(r() * 3) }, () => randomJSON(r, depth - 1));
    default: return { x: randomJSON(r, depth - 1), name: randomJSON(r, depth - 1) };
  }
}

// scramble returns a copy of the JSON value v with some of its parts,
// at any depth, replaced by random values or dropped.
export function scramble(v, r) {
  if (r() < 0.15) return randomJSON(r, 2);
  if (Array.isArray(v)) return v.filter(() => r() > 0.1).map((x) => scramble(x, r));
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) if (r() > 0.1) o[k] = scramble(x, r);
    return o;
  }
  return v;
}
