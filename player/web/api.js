// The origin's API as the app uses it: OAuth 2.0 sign-in (authorization
// code with PKCE S256, RFC 7636) for the public client edgeflix-web, the
// tokens in sessionStorage, and authorized JSON calls that refresh the
// access token when it has expired or is refused.
import { sessionGet, sessionSet } from "./dom.js";

export const clientID = "edgeflix-web";
const metadataPath = "/.well-known/oauth-authorization-server";
const keyTokens = "edgeflix.tokens"; // {"access_token","refresh_token","expiry" (RFC 3339)}
const keyVerifier = "edgeflix.pkce.verifier";
const keyState = "edgeflix.pkce.state";
const skewMs = 30000; // a token this close to its expiry counts as expired

export const origin = location.origin;
const redirectURI = () => origin + "/app/callback";

// SignedOut means no usable tokens are left: the user must sign in.
export class SignedOut extends Error {
  constructor(msg) {
    super(msg ? "signed out: " + msg : "signed out");
    this.name = "SignedOut";
  }
}

// problemDetail extracts a human message from an RFC 9457 problem body.
export function problemDetail(body) {
  try {
    const p = JSON.parse(body);
    if (p && typeof p === "object") return str(p.detail) || str(p.title);
  } catch { /* not JSON */ }
  return String(body || "").trim();
}

export const problemOr = (body, status) => problemDetail(body) || "HTTP " + status;

// str returns v if it is a string, else "".
export const str = (v) => (typeof v === "string" ? v : "");
// text returns a string or a number as a string (ids), else "".
export const text = (v) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

// fetchText fetches and returns the status and body text.
export async function fetchText(url, init) {
  const resp = await fetch(url, init);
  return { status: resp.status, body: await resp.text() };
}

let metadataPromise = null;

// metadata fetches the authorization server metadata once and checks the
// endpoints the app needs are absolute http(s) URLs.
function metadata() {
  if (!metadataPromise) {
    metadataPromise = (async () => {
      const { status, body } = await fetchText(origin + metadataPath);
      if (status !== 200) throw new Error("authorization server metadata: HTTP " + status + (problemDetail(body) ? ": " + problemDetail(body) : ""));
      const m = JSON.parse(body);
      if (!m || typeof m !== "object" || Array.isArray(m)) throw new Error("oauth: bad response: metadata is not a JSON object");
      for (const name of ["authorization_endpoint", "token_endpoint"]) {
        if (!absolute(m[name])) throw new Error("oauth: bad response: metadata " + name + " " + JSON.stringify(m[name]) + " is not an absolute URL");
      }
      return m;
    })();
    metadataPromise.catch(() => { metadataPromise = null; });
  }
  return metadataPromise;
}

function absolute(u) {
  try {
    const p = new URL(str(u));
    return (p.protocol === "http:" || p.protocol === "https:") && p.host !== "";
  } catch {
    return false;
  }
}

// tokens returns the stored tokens, null if there are none.
export function tokens() {
  const s = sessionGet(keyTokens);
  if (!s) return null;
  try {
    const v = JSON.parse(s);
    const t = { access: str(v.access_token), refresh: str(v.refresh_token), expiry: v.expiry ? Date.parse(v.expiry) : 0 };
    if (!t.access || Number.isNaN(t.expiry)) return null;
    return t;
  } catch {
    return null;
  }
}

export function storeTokens(t) {
  const v = { access_token: t.access };
  if (t.refresh) v.refresh_token = t.refresh;
  if (t.expiry) v.expiry = new Date(t.expiry).toISOString();
  sessionSet(keyTokens, JSON.stringify(v));
}

export const forgetTokens = () => sessionSet(keyTokens, "");

const expired = (t) => t.expiry > 0 && Date.now() + skewMs >= t.expiry;

// parseTokenResponse decodes a token endpoint answer (RFC 6749 §5.1, or
// the §5.2 error), computing the expiry from now; previous supplies the
// refresh token when a refresh answer does not rotate it.
export function parseTokenResponse(body, previous) {
  let v;
  try {
    v = JSON.parse(body);
  } catch (e) {
    throw new Error("oauth: bad response: token response: " + e.message);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("oauth: bad response: token response: not a JSON object");
  if (str(v.error)) throw new Error("oauth: authorization failed: " + v.error + (str(v.error_description) ? ": " + v.error_description : ""));
  if (!str(v.access_token)) throw new Error("oauth: bad response: no access_token");
  if (str(v.token_type).toLowerCase() !== "bearer") throw new Error("oauth: bad response: token_type " + JSON.stringify(str(v.token_type)) + " is not Bearer");
  const t = { access: v.access_token, refresh: str(v.refresh_token) || (previous && previous.refresh) || "", expiry: 0 };
  if (typeof v.expires_in === "number" && v.expires_in > 0) t.expiry = Date.now() + Math.floor(v.expires_in) * 1000;
  return t;
}

// base64url without padding.
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

// challenge returns the S256 code challenge of verifier.
export async function challenge(verifier) {
  const sum = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(sum));
}

// signIn stores a fresh PKCE verifier (32 random bytes) and state (16)
// and navigates to the authorization endpoint.
export async function signIn() {
  const m = await metadata();
  const verifier = random(32);
  const state = random(16);
  const u = new URL(m.authorization_endpoint);
  const q = u.searchParams;
  q.set("response_type", "code");
  q.set("client_id", clientID);
  q.set("redirect_uri", redirectURI());
  q.set("code_challenge", await challenge(verifier));
  q.set("code_challenge_method", "S256");
  q.set("state", state);
  sessionSet(keyVerifier, verifier);
  sessionSet(keyState, state);
  location.assign(u.toString());
}

// callbackCode checks the query the authorization server redirected back
// with against the state sent and returns the authorization code.
export function callbackCode(search, wantState) {
  const q = new URLSearchParams(search);
  if (q.get("error")) throw new Error("oauth: authorization failed: " + q.get("error") + (q.get("error_description") ? ": " + q.get("error_description") : ""));
  if (!wantState || q.get("state") !== wantState) throw new Error("oauth: state mismatch");
  const code = q.get("code");
  if (!code) throw new Error("oauth: bad response: callback without code");
  return code;
}

// callback finishes the flow on /app/callback: it checks state, redeems
// the code and stores the tokens.
export async function callback(search) {
  const state = sessionGet(keyState), verifier = sessionGet(keyVerifier);
  sessionSet(keyState, "");
  sessionSet(keyVerifier, "");
  const code = callbackCode(search, state);
  storeTokens(await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: redirectURI(), client_id: clientID, code_verifier: verifier }, null));
}

async function tokenRequest(form, previous) {
  const m = await metadata();
  const { status, body } = await fetchText(m.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams(form).toString(),
  });
  try {
    return parseTokenResponse(body, previous);
  } catch (e) {
    throw new Error("token endpoint (HTTP " + status + "): " + e.message);
  }
}

// refreshing serialises refreshes: callers that find the same stale token
// share one token request.
let refreshing = null;

// refresh swaps the refresh token for new tokens unless another caller
// already did since stale was read. On failure the tokens are dropped.
function refresh(stale) {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const cur = tokens();
    if (!cur) throw new SignedOut();
    if (cur.access !== stale.access && !expired(cur)) return cur;
    if (!cur.refresh) {
      forgetTokens();
      throw new SignedOut();
    }
    try {
      const t = await tokenRequest({ grant_type: "refresh_token", refresh_token: cur.refresh, client_id: clientID }, cur);
      storeTokens(t);
      return t;
    } catch (e) {
      forgetTokens();
      throw new SignedOut(e.message);
    }
  })();
  refreshing.finally(() => { refreshing = null; }).catch(() => {});
  return refreshing;
}

// signOut forgets the tokens, revoking the refresh token when the server
// offers revocation.
export async function signOut() {
  const t = tokens();
  forgetTokens();
  if (!t || !t.refresh) return;
  try {
    const m = await metadata();
    if (m.revocation_endpoint) {
      await fetch(m.revocation_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: t.refresh, token_type_hint: "refresh_token", client_id: clientID }).toString(),
      });
    }
  } catch { /* the tokens are gone from this browser either way */ }
}

// api calls the origin's JSON API with the bearer token, refreshing it
// when it has expired or the answer is 401. body is JSON-encoded unless
// it is a string already. It returns {status, body}.
export async function api(method, path, body, opts) {
  let t = tokens();
  if (!t) throw new SignedOut();
  if (expired(t)) t = await refresh(t);
  const payload = body === undefined || body === null ? "" : typeof body === "string" ? body : JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    const headers = { Authorization: "Bearer " + t.access, Accept: "application/json" };
    if (payload) headers["Content-Type"] = "application/json";
    const init = { method, headers };
    if (payload) init.body = payload;
    if (opts && opts.keepalive) init.keepalive = true;
    const r = await fetchText(origin + path, init);
    if (r.status !== 401 || attempt > 0) return r;
    t = await refresh(t);
  }
}

// json parses an API answer, null when it is not JSON.
export function json(body) {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}
