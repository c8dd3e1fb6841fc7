// The OAuth 2.0 client's rules, apart from the browser state api.js keeps:
// PKCE S256 (RFC 7636), the callback's state check, token responses
// (RFC 6749 §5), the stored tokens' form, expiry with skew and the
// authorization server metadata (RFC 8414). Time is passed in as
// milliseconds since the epoch, so node --test runs oauth_test.mjs
// against it.
import { problemDetail, str } from "./decode.js";

// skewMs: a token this close to its expiry counts as expired.
export const skewMs = 30000;

// Tokens are {access, refresh, expiry}: expiry is in milliseconds since
// the epoch, 0 when the server did not say; refresh is "" when there is
// none.

// expired reports whether t's access token has expired at now, or will
// within skewMs. A token without expiry never expires here.
export const expired = (t, now) => t.expiry > 0 && now + skewMs >= t.expiry;

// parseTokenResponse decodes a token endpoint answer (RFC 6749 §5.1, or
// the §5.2 error), computing the expiry from now; previous supplies the
// refresh token when a refresh answer does not rotate it.
export function parseTokenResponse(body, previous, now) {
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
  if (typeof v.expires_in === "number" && v.expires_in > 0) t.expiry = now + Math.floor(v.expires_in) * 1000;
  return t;
}

// encodeTokens writes t as sessionStorage keeps it:
// {"access_token","refresh_token","expiry" (RFC 3339)}.
export function encodeTokens(t) {
  const v = { access_token: t.access };
  if (t.refresh) v.refresh_token = t.refresh;
  if (t.expiry) v.expiry = new Date(t.expiry).toISOString();
  return JSON.stringify(v);
}

// decodeTokens reads what encodeTokens wrote; null when s holds no access
// token or an unreadable expiry.
export function decodeTokens(s) {
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

// base64url encodes bytes without padding (RFC 4648 §5).
export const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// randomString returns n random bytes, base64url-encoded: a PKCE verifier
// (32 bytes) or a state (16).
export const randomString = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

// challenge returns the S256 code challenge of verifier.
export async function challenge(verifier) {
  const sum = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(sum));
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

// parseMetadata checks the authorization server metadata answer: a JSON
// object whose authorization and token endpoints are absolute http(s)
// URLs.
export function parseMetadata(status, body) {
  if (status !== 200) {
    const detail = problemDetail(body);
    throw new Error("authorization server metadata: HTTP " + status + (detail ? ": " + detail : ""));
  }
  const m = JSON.parse(body);
  if (!m || typeof m !== "object" || Array.isArray(m)) throw new Error("oauth: bad response: metadata is not a JSON object");
  for (const name of ["authorization_endpoint", "token_endpoint"]) {
    if (!absolute(m[name])) throw new Error("oauth: bad response: metadata " + name + " " + JSON.stringify(m[name]) + " is not an absolute URL");
  }
  return m;
}

// absolute reports whether u is an absolute http(s) URL; URL requires
// their host.
function absolute(u) {
  try {
    const p = new URL(str(u));
    return p.protocol === "http:" || p.protocol === "https:";
  } catch {
    return false;
  }
}
