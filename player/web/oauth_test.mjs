// Unit tests of oauth.js: node --test (run by TestJSUnits in js_test.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { mutate, rand } from "./fuzz.mjs";
import { base64url, callbackCode, challenge, decodeTokens, encodeTokens, expired, parseMetadata, parseTokenResponse, randomString, skewMs } from "./oauth.js";

describe("challenge", () => {
  const cases = [
    { name: "RFC 7636 appendix B", verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", want: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" },
    { name: "empty verifier is SHA-256 of nothing", verifier: "", want: "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU" },
    { name: "UTF-8 encoded (sha256sum of the bytes C3 A9)", verifier: "é", want: "SplVfkAzw1Od4utlRyAXytX5VX96BiWgnxw_biumnEw" },
  ];
  for (const c of cases) {
    test(c.name, async () => assert.equal(await challenge(c.verifier), c.want));
  }
});

describe("base64url", () => {
  const cases = [
    { name: "empty", bytes: [], want: "" },
    { name: "no padding, - for +", bytes: [0xf8], want: "-A" },
    { name: "_ for /", bytes: [0xff, 0xff], want: "__8" },
    { name: "whole groups", bytes: [0x66, 0x6f, 0x6f], want: "Zm9v" },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(base64url(new Uint8Array(c.bytes)), c.want));
  }
});

describe("randomString", () => {
  const cases = [
    { name: "verifier: 32 bytes", n: 32, length: 43 },
    { name: "state: 16 bytes", n: 16, length: 22 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const a = randomString(c.n), b = randomString(c.n);
      assert.equal(a.length, c.length);
      assert.match(a, /^[A-Za-z0-9_-]+$/);
      assert.notEqual(a, b);
    });
  }
});

describe("callbackCode", () => {
  const cases = [
    { name: "ok", search: "?code=abc&state=s1", state: "s1", want: "abc" },
    { name: "ok without ?", search: "code=abc&state=s1", state: "s1", want: "abc" },
    { name: "state mismatch", search: "?code=abc&state=s2", state: "s1", err: /^Error: oauth: state mismatch$/ },
    { name: "state missing", search: "?code=abc", state: "s1", err: /state mismatch/ },
    { name: "no stored state", search: "?code=abc&state=", state: "", err: /state mismatch/ },
    { name: "error param", search: "?error=access_denied&state=s1", state: "s1", err: /^Error: oauth: authorization failed: access_denied$/ },
    { name: "error with description", search: "?error=access_denied&error_description=no+thanks&state=s1", state: "s1", err: /authorization failed: access_denied: no thanks$/ },
    { name: "error before the state check", search: "?error=server_error", state: "s1", err: /authorization failed: server_error/ },
    { name: "missing code", search: "?state=s1", state: "s1", err: /bad response: callback without code/ },
    { name: "empty code", search: "?code=&state=s1", state: "s1", err: /callback without code/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.err) assert.throws(() => callbackCode(c.search, c.state), (e) => c.err.test(String(e)));
      else assert.equal(callbackCode(c.search, c.state), c.want);
    });
  }
});

describe("parseTokenResponse", () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);
  const previous = { access: "old", refresh: "old-refresh", expiry: 0 };
  const cases = [
    { name: "full", body: `{"access_token":"a","refresh_token":"r","expires_in":900,"token_type":"Bearer"}`, previous,
      want: { access: "a", refresh: "r", expiry: now + 900000 } },
    { name: "keeps the previous refresh token", body: `{"access_token":"a","expires_in":60,"token_type":"bearer"}`, previous,
      want: { access: "a", refresh: "old-refresh", expiry: now + 60000 } },
    { name: "no previous, no refresh token", body: `{"access_token":"a","token_type":"Bearer"}`, previous: null,
      want: { access: "a", refresh: "", expiry: 0 } },
    { name: "fractional expires_in is floored", body: `{"access_token":"a","token_type":"BEARER","expires_in":1.9}`, previous: null,
      want: { access: "a", refresh: "", expiry: now + 1000 } },
    { name: "zero expires_in: no expiry", body: `{"access_token":"a","token_type":"Bearer","expires_in":0}`, previous: null,
      want: { access: "a", refresh: "", expiry: 0 } },
    { name: "negative expires_in: no expiry", body: `{"access_token":"a","token_type":"Bearer","expires_in":-5}`, previous: null,
      want: { access: "a", refresh: "", expiry: 0 } },
    { name: "string expires_in: no expiry", body: `{"access_token":"a","token_type":"Bearer","expires_in":"900"}`, previous: null,
      want: { access: "a", refresh: "", expiry: 0 } },
    { name: "non-string refresh token keeps the previous", body: `{"access_token":"a","token_type":"Bearer","refresh_token":7}`, previous,
      want: { access: "a", refresh: "old-refresh", expiry: 0 } },
    { name: "error", body: `{"error":"invalid_grant","error_description":"expired"}`, err: /^Error: oauth: authorization failed: invalid_grant: expired$/ },
    { name: "error without description", body: `{"error":"invalid_client"}`, err: /^Error: oauth: authorization failed: invalid_client$/ },
    { name: "error wins over tokens", body: `{"error":"invalid_grant","access_token":"a","token_type":"Bearer"}`, err: /authorization failed/ },
    { name: "not JSON", body: "<html>", err: /^Error: oauth: bad response: token response: / },
    { name: "empty body", body: "", err: /bad response: token response/ },
    { name: "array", body: "[]", err: /token response: not a JSON object/ },
    { name: "null", body: "null", err: /token response: not a JSON object/ },
    { name: "string", body: `"a"`, err: /token response: not a JSON object/ },
    { name: "no access token", body: `{"token_type":"Bearer"}`, err: /bad response: no access_token/ },
    { name: "empty access token", body: `{"access_token":"","token_type":"Bearer"}`, err: /no access_token/ },
    { name: "numeric access token", body: `{"access_token":42,"token_type":"Bearer"}`, err: /no access_token/ },
    { name: "wrong token type", body: `{"access_token":"a","token_type":"mac"}`, err: /token_type "mac" is not Bearer/ },
    { name: "no token type", body: `{"access_token":"a"}`, err: /token_type "" is not Bearer/ },
    { name: "non-string token type", body: `{"access_token":"a","token_type":1}`, err: /token_type "" is not Bearer/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.err) assert.throws(() => parseTokenResponse(c.body, c.previous, now), (e) => c.err.test(String(e)));
      else assert.deepEqual(parseTokenResponse(c.body, c.previous, now), c.want);
    });
  }
});

describe("expired", () => {
  const now = Date.UTC(2026, 0, 1);
  const cases = [
    { name: "no expiry never expires", expiry: 0, want: false },
    { name: "an hour ahead", expiry: now + 3600000, want: false },
    { name: "just outside the skew", expiry: now + skewMs + 1, want: false },
    { name: "at the skew", expiry: now + skewMs, want: true },
    { name: "within the skew", expiry: now + 10000, want: true },
    { name: "past", expiry: now - 1000, want: true },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(expired({ access: "a", refresh: "", expiry: c.expiry }, now), c.want));
  }
});

describe("encodeTokens and decodeTokens", () => {
  const roundTrips = [
    { name: "all fields", tokens: { access: 'a"b', refresh: "r", expiry: Date.UTC(2026, 11, 4, 15, 30, 0, 123) },
      stored: `{"access_token":"a\\"b","refresh_token":"r","expiry":"2026-12-04T15:30:00.123Z"}` },
    { name: "no refresh, no expiry", tokens: { access: "a", refresh: "", expiry: 0 }, stored: `{"access_token":"a"}` },
  ];
  for (const c of roundTrips) {
    test(c.name, () => {
      assert.equal(encodeTokens(c.tokens), c.stored);
      assert.deepEqual(decodeTokens(c.stored), c.tokens);
    });
  }
  const bad = [
    { name: "nothing stored", stored: "" },
    { name: "not JSON", stored: "{" },
    { name: "array", stored: "[]" },
    { name: "null", stored: "null" },
    { name: "no access token", stored: `{"refresh_token":"r"}` },
    { name: "numeric access token", stored: `{"access_token":1}` },
    { name: "unreadable expiry", stored: `{"access_token":"a","expiry":"yesterday"}` },
  ];
  for (const c of bad) {
    test("rejects " + c.name, () => assert.equal(decodeTokens(c.stored), null));
  }
});

describe("parseMetadata", () => {
  const good = { issuer: "edgeflix-origin", authorization_endpoint: "http://o/oauth/authorize", token_endpoint: "https://o/oauth/token" };
  const cases = [
    { name: "ok", status: 200, body: JSON.stringify(good), want: good },
    { name: "HTTP error with problem detail", status: 503, body: `{"title":"Service Unavailable","detail":"starting"}`, err: /^Error: authorization server metadata: HTTP 503: starting$/ },
    { name: "HTTP error without body", status: 404, body: "", err: /^Error: authorization server metadata: HTTP 404$/ },
    { name: "not JSON", status: 200, body: "{", err: /SyntaxError/ },
    { name: "array", status: 200, body: "[]", err: /metadata is not a JSON object/ },
    { name: "relative authorization endpoint", status: 200, body: `{"authorization_endpoint":"/rel","token_endpoint":"http://o/t"}`, err: /metadata authorization_endpoint "\/rel" is not an absolute URL/ },
    { name: "no token endpoint", status: 200, body: `{"authorization_endpoint":"http://o/a"}`, err: /metadata token_endpoint undefined is not an absolute URL/ },
    { name: "not http(s)", status: 200, body: `{"authorization_endpoint":"javascript:alert(1)","token_endpoint":"http://o/t"}`, err: /authorization_endpoint .* is not an absolute URL/ },
    { name: "numeric endpoint", status: 200, body: `{"authorization_endpoint":"http://o/a","token_endpoint":1}`, err: /token_endpoint 1 is not/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.err) assert.throws(() => parseMetadata(c.status, c.body), (e) => c.err.test(String(e)));
      else assert.deepEqual(parseMetadata(c.status, c.body), c.want);
    });
  }
});

// The mutation tests stand in for the Go fuzz targets the views had: what
// is accepted must hold what the app relies on; the rest throws an Error.
describe("mutated input", () => {
  test("parseTokenResponse accepts only a Bearer answer with an access token", () => {
    const r = rand(7636);
    const seeds = [`{"access_token":"a","refresh_token":"r","expires_in":900,"token_type":"Bearer"}`, `{"error":"invalid_grant","access_token":"a","token_type":"Bearer"}`, `{"access_token":"a","token_type":"bearer"}`];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const body = mutate(seeds[i % seeds.length], r);
      let t;
      try {
        t = parseTokenResponse(body, null, 1000);
      } catch (e) {
        assert.ok(e instanceof Error && e.message !== "", body);
        continue;
      }
      accepted++;
      const v = JSON.parse(body);
      assert.ok(typeof t.access === "string" && t.access !== "" && t.access === v.access_token, body);
      assert.equal(v.token_type.toLowerCase(), "bearer", body);
      assert.ok(!v.error, body);
      assert.equal(typeof t.refresh, "string", body);
      assert.ok(Number.isSafeInteger(t.expiry) && (t.expiry === 0 || t.expiry > 1000), body);
    }
    assert.ok(accepted > 100, "only " + accepted + " mutations accepted: the test checks little");
  });

  test("callbackCode returns a code only for the state sent and no error", () => {
    const r = rand(6749);
    const seeds = ["?code=abc&state=s1", "?code=abc&error=access_denied&state=s1", "code=x&state=s1&code=y"];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const search = mutate(seeds[i % seeds.length], r);
      const q = new URLSearchParams(search);
      let code;
      try {
        code = callbackCode(search, "s1");
      } catch (e) {
        assert.match(e.message, /^oauth: /, search);
        continue;
      }
      accepted++;
      assert.ok(code !== "" && code === q.get("code"), search);
      assert.equal(q.get("state"), "s1", search);
      assert.ok(!q.get("error"), search);
    }
    assert.ok(accepted > 100, "only " + accepted + " mutations accepted: the test checks little");
  });
});
