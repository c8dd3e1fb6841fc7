// Lambda@Edge handler (Node.js 20, ESM) for edgeflix: loads the bundled
// edge.wasm (the same bytes the edge runs under wazero) with node:wasi and
// serves CloudFront viewer-request (token gate) and origin-request (master
// playlist rewrite) events. The module's ABI is wasm/ABI.md; the Go twin of
// this file is internal/cloudfront (tested against it on one event corpus).
// Lambda@Edge has no environment variables: config.json (and proof.json,
// the gate's proof key) ship in the zip.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const here = new URL('.', import.meta.url);
const MAX_GENERATED_BODY = 1 << 20;
const CAPS_HEADER = 'x-edgeflix-caps';
const PROOF_HEADER = 'x-edgeflix-proof';
const PROOF_LIFETIME_S = 60; // internal/edgeproof.Lifetime

let ready = null; // one instance per container, made on first use

/**
 * instantiate makes one module instance from the .wasm bytes, configures it
 * with the configure document and returns its gate and rewrite calls. It is
 * exported for bench.mjs; the handler makes one instance per container.
 */
export async function instantiate(wasm, config) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, returnOnExit: true });
  const { instance } = await WebAssembly.instantiate(wasm, wasi.getImportObject());
  wasi.initialize(instance);
  const m = instance.exports;
  if (m.abi_version() !== 1) throw new Error(`edge.wasm: abi_version ${m.abi_version()}, want 1`);
  const call = (fn, input, ...extra) => {
    const ptr = m.alloc(input.length);
    new Uint8Array(m.memory.buffer, ptr, input.length).set(input);
    const packed = fn(ptr, input.length, ...extra);
    const p = Number(packed >> 32n), n = Number(packed & 0xffffffffn);
    return Buffer.from(new Uint8Array(m.memory.buffer, p, n)); // copy out
  };
  const res = call(m.configure, config).toString('utf8');
  if (res !== 'ok\n') throw new Error(`edge.wasm refused config.json: ${res}`);
  return {
    gate(uri, nowMs) {
      const s = call(m.gate, Buffer.from(uri, 'utf8'), BigInt(nowMs)).toString('utf8');
      const parts = s.split('\n');
      if (parts.length !== 4 || (parts[0] !== 'allow' && parts[0] !== 'deny')) throw new Error('malformed gate result');
      const [status, reason, path, caps] = parts;
      return { status, reason, path, caps };
    },
    rewrite(caps, master) {
      if (!m.rewrite) throw new Error('edge.wasm has no rewrite export');
      const input = Buffer.concat([Buffer.from(caps + '\n', 'utf8'), master]);
      const out = call(m.rewrite, input);
      const nl = out.indexOf(10);
      if (nl < 0) throw new Error('malformed rewrite result');
      return { status: out.subarray(0, nl).toString('utf8'), body: out.subarray(nl + 1) };
    },
    memoryBytes() {
      return m.memory.buffer.byteLength;
    },
  };
}

async function load() {
  const [wasm, config] = await Promise.all([
    readFile(new URL('edge.wasm', here)),
    readFile(new URL('config.json', here)),
  ]);
  return instantiate(wasm, config);
}

let proofKey = null; // {kid, key} from proof.json, loaded on first use

/** loadProofKey reads proof.json ({"kid": ..., "key": base64url}); a
 * bundle without it forwards no proof, and the origin refuses its media. */
async function loadProofKey() {
  let j;
  try {
    j = JSON.parse(await readFile(new URL('proof.json', here), 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') return { kid: '', key: null };
    throw e;
  }
  if (typeof j.kid !== 'string' || typeof j.key !== 'string') throw new Error('proof.json needs kid and key');
  return { kid: j.kid, key: Buffer.from(j.key, 'base64url') };
}

/** proof is internal/edgeproof.Sign: the gate's proof for path, valid
 * PROOF_LIFETIME_S from nowMs, under the bundled key. */
export function proof(kid, key, path, nowMs) {
  const exp = String(Math.floor(nowMs / 1000) + PROOF_LIFETIME_S);
  const mac = createHmac('sha512-256', key).update(`edgeflix-proof-v1\n${kid}\n${exp}\n${path}`).digest('base64url');
  return `v1.${kid}.${exp}.${mac}`;
}

async function module() {
  if (!ready) ready = load().catch((e) => { ready = null; throw e; });
  return ready;
}

function response(status, statusDescription, contentType, body) {
  return {
    status: String(status),
    statusDescription,
    headers: {
      'content-type': [{ key: 'Content-Type', value: contentType }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
    },
    body,
  };
}

const TEXT = 'text/plain; charset=utf-8';
const fnError = () => response(500, 'Internal Server Error', TEXT, 'edge function error\n');

/** originURL mirrors internal/cloudfront.OriginURL. */
export function originURL(origin, uri) {
  const c = origin && origin.custom;
  if (c && typeof c === 'object') {
    if (!c.domainName) throw new Error('custom origin without domainName');
    const port = typeof c.port === 'number' ? `:${Math.trunc(c.port)}` : (typeof c.port === 'string' && c.port !== '' ? `:${c.port}` : '');
    return `${c.protocol || 'https'}://${c.domainName}${port}${c.path || ''}${uri}`;
  }
  const s = origin && origin.s3;
  if (s && typeof s === 'object') {
    if (!s.domainName) throw new Error('s3 origin without domainName');
    return `https://${s.domainName}${s.path || ''}${uri}`;
  }
  throw new Error('request has no custom or s3 origin');
}

/** customHeaders mirrors internal/cloudfront.CustomHeaders: the headers
 * CloudFront adds to origin requests (such as the origin secret). */
export function customHeaders(origin) {
  const out = {};
  const hs = origin && origin.custom && origin.custom.customHeaders;
  if (hs && typeof hs === 'object') {
    for (const v of Object.values(hs)) {
      const h = Array.isArray(v) && v[0];
      if (h && typeof h.key === 'string' && h.key !== '' && typeof h.value === 'string') out[h.key] = h.value;
    }
  }
  return out;
}

async function fetchOrigin(origin, uri, proofValue) {
  const headers = customHeaders(origin);
  if (proofValue) headers['X-Edgeflix-Proof'] = proofValue;
  const res = await fetch(originURL(origin, uri), { redirect: 'manual', headers });
  if (res.status !== 200) throw new Error(`origin status ${res.status}`);
  const b = Buffer.from(await res.arrayBuffer());
  return b.subarray(0, 4 << 20);
}

async function viewerRequest(request) {
  let r;
  const now = Date.now();
  try {
    r = (await module()).gate(typeof request.uri === 'string' ? request.uri : '', now);
    if (!proofKey) proofKey = await loadProofKey();
  } catch (e) {
    ready = null; // a trapped instance is never reused
    return fnError();
  }
  if (r.status !== 'allow') return response(403, 'Forbidden', TEXT, `forbidden: ${r.reason}\n`);
  request.uri = r.path;
  if (!request.headers || typeof request.headers !== 'object') request.headers = {};
  request.headers[CAPS_HEADER] = [{ key: 'X-Edgeflix-Caps', value: r.caps }];
  if (proofKey.key) request.headers[PROOF_HEADER] = [{ key: 'X-Edgeflix-Proof', value: proof(proofKey.kid, proofKey.key, r.path, now) }];
  else delete request.headers[PROOF_HEADER]; // never a viewer's own
  return request;
}

async function originRequest(request) {
  const uri = typeof request.uri === 'string' ? request.uri : '';
  if (!uri.endsWith('/master.m3u8')) return request;
  const h = request.headers && request.headers[CAPS_HEADER];
  const caps = Array.isArray(h) && h[0] && typeof h[0].value === 'string' ? h[0].value : '';
  const p = request.headers && request.headers[PROOF_HEADER];
  const proofValue = Array.isArray(p) && p[0] && typeof p[0].value === 'string' ? p[0].value : '';
  let body;
  try {
    body = await fetchOrigin(request.origin, uri, proofValue);
  } catch (e) {
    return response(502, 'Bad Gateway', TEXT, 'origin fetch failed\n');
  }
  let res;
  try {
    res = (await module()).rewrite(caps, body);
  } catch (e) {
    ready = null;
    return fnError();
  }
  switch (res.status) {
    case 'ok':
      if (res.body.length > MAX_GENERATED_BODY) return request;
      return response(200, 'OK', 'application/vnd.apple.mpegurl', res.body.toString('utf8'));
    case 'not_master':
      return request;
    case 'unplayable':
      return response(422, 'Unprocessable Entity', TEXT, 'no rendition playable by this device\n');
    case 'invalid':
      return response(502, 'Bad Gateway', TEXT, 'invalid master playlist from origin\n');
    default:
      return fnError();
  }
}

/** handler is the Lambda@Edge entry point for both trigger types. */
export async function handler(event) {
  const cf = event && event.Records && event.Records[0] && event.Records[0].cf;
  if (!cf || !cf.request) throw new Error('not a CloudFront Lambda@Edge event');
  const type = cf.config && cf.config.eventType;
  if (type === 'viewer-request') return viewerRequest(cf.request);
  if (type === 'origin-request') return originRequest(cf.request);
  throw new Error(`unsupported eventType ${JSON.stringify(type)}`);
}
