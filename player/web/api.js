// The origin's API as the app uses it: OAuth 2.0 sign-in (authorization
// code with PKCE S256, RFC 7636) for the public client edgeflix-web, the
// tokens in sessionStorage, and authorized JSON calls that refresh the
// access token when it has expired or is refused. The rules without
// browser state (PKCE, token responses, expiry) are oauth.js.
import { sessionGet, sessionSet } from "./dom.js";
import { callbackCode, challenge, decodeTokens, encodeTokens, expired, parseMetadata, parseTokenResponse, randomString } from "./oauth.js";

export const clientID = "edgeflix-web";
const metadataPath = "/.well-known/oauth-authorization-server";
const keyTokens = "edgeflix.tokens"; // {"access_token","refresh_token","expiry" (RFC 3339)}
const keyVerifier = "edgeflix.pkce.verifier";
const keyState = "edgeflix.pkce.state";

export const origin = location.origin;
const redirectURI = () => origin + "/app/callback";

// SignedOut means no usable tokens are left: the user must sign in.
export class SignedOut extends Error {
  constructor(msg) {
    super(msg ? "signed out: " + msg : "signed out");
    this.name = "SignedOut";
  }
}

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
      return parseMetadata(status, body);
    })();
    metadataPromise.catch(() => { metadataPromise = null; });
  }
  return metadataPromise;
}

// tokens returns the stored tokens, null if there are none.
export const tokens = () => decodeTokens(sessionGet(keyTokens));

export const storeTokens = (t) => sessionSet(keyTokens, encodeTokens(t));

export const forgetTokens = () => sessionSet(keyTokens, "");

// signIn stores a fresh PKCE verifier (32 random bytes) and state (16)
// and navigates to the authorization endpoint.
export async function signIn() {
  const m = await metadata();
  const verifier = randomString(32);
  const state = randomString(16);
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
    return parseTokenResponse(body, previous, Date.now());
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
    if (cur.access !== stale.access && !expired(cur, Date.now())) return cur;
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
  if (expired(t, Date.now())) t = await refresh(t);
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
