import http from 'node:http';
import { isIP } from 'node:net';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/** Reads a request body, refusing more than `limit` bytes (the rest is drained, not buffered). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(new BodyTooLargeError(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Bot Connector error body (`ErrorResponse` in the connector's schema). */
export function connectorError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/** The bot endpoint must be on this machine: the emulator never sends activities (or tokens) off it. */
export function checkBotEndpoint(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`bot endpoint is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`bot endpoint must be http(s): ${url}`);
  if (!isLoopbackHost(parsed.hostname)) throw new TypeError(`bot endpoint must be a loopback address, got ${parsed.hostname}`);
  return parsed;
}

export interface PostResult {
  status: number;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** POSTs to the bot. `body` is sent as-is when it is a string or Buffer, else as JSON. */
export async function postToBot(url: URL, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
  const transport = url.protocol === 'https:' ? await import('node:https') : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length, ...headers },
        // A bot in a test may present a self-signed certificate on loopback.
        ...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: parseMaybeJson(text), headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`bot did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function parseMaybeJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Splits a raw request path into percent-decoded segments; null when a segment is not valid percent-encoding. */
export function decodeSegments(rawPath: string): string[] | null {
  const parts = rawPath.split('/').filter((p, i) => !(i === 0 && p === ''));
  const out: string[] = [];
  for (const p of parts) {
    try {
      out.push(decodeURIComponent(p));
    } catch {
      return null;
    }
  }
  // A trailing slash leaves an empty last segment; routes never end in one.
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
