import { badRequest } from './graph-http.js';

/**
 * Query-string handling as Graph does it: `$` options are case-insensitive, `+` reads as a space
 * (ASP.NET decoding), and paging tokens are opaque base64url so a client can pass them back verbatim.
 */
export class ODataQuery {
  /** Keys lower-cased (`$top`, `$filter`, …); values decoded. */
  private readonly params = new Map<string, string>();
  /** The raw pairs in arrival order (key as sent, value still encoded), for building next links. */
  readonly rawPairs: [string, string][] = [];

  constructor(rawQuery: string) {
    if (!rawQuery) return;
    for (const part of rawQuery.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const rawKey = eq === -1 ? part : part.slice(0, eq);
      const rawValue = eq === -1 ? '' : part.slice(eq + 1);
      const key = decodeQueryComponent(rawKey);
      const value = decodeQueryComponent(rawValue);
      const norm = key.startsWith('$') ? key.toLowerCase() : key;
      if (this.params.has(norm)) throw badRequest(`Query option '${key}' was specified more than once, but it must be specified at most once.`);
      this.params.set(norm, value);
      this.rawPairs.push([rawKey, rawValue]);
    }
  }

  get(key: string): string | undefined {
    return this.params.get(key.startsWith('$') ? key.toLowerCase() : key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** `$top` as a number, checked against [1, max]; undefined when absent. */
  top(max: number, message?: string): number | undefined {
    const raw = this.get('$top');
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw.trim())) throw badRequest(`Invalid value '${raw}' for $top query option found.`, 'Request_BadRequest');
    const n = Number(raw.trim());
    if (n < 1 || n > max) {
      throw badRequest(message ?? `Invalid page size specified: '${n}'. Must be between 1 and ${max} inclusive.`, 'Request_BadRequest');
    }
    return n;
  }

  /** `$select` as a list of property names (undefined when absent). */
  select(): string[] | undefined {
    const raw = this.get('$select');
    if (raw === undefined) return undefined;
    const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
    return list.length ? list : undefined;
  }

  /** `$expand` as a list of navigation names (undefined when absent). */
  expand(): string[] | undefined {
    const raw = this.get('$expand');
    if (raw === undefined) return undefined;
    return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }

  count(): boolean {
    const raw = this.get('$count');
    if (raw === undefined) return false;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw badRequest(`Invalid value '${raw}' for $count query option found.`);
  }

  /** Rejects query options this endpoint does not support, as Graph does. */
  allowOnly(options: string[]): void {
    for (const key of this.params.keys()) {
      if (key.startsWith('$') && !options.includes(key)) {
        throw badRequest(`Query option '${key}' is not allowed. Make sure that it is supported for this resource.`, 'BadRequest');
      }
    }
  }

  /**
   * The query for a next link: every option as sent except the paging token, then the new token.
   * Values are re-encoded so the link survives the Graph client's raw query handling.
   */
  nextQuery(tokenKey: string, token: string, drop: string[] = []): string {
    const dropped = new Set(['$skiptoken', '$deltatoken', ...drop.map((d) => d.toLowerCase())]);
    const parts: string[] = [];
    for (const [rawKey, rawValue] of this.rawPairs) {
      const key = decodeQueryComponent(rawKey);
      if (dropped.has(key.toLowerCase())) continue;
      parts.push(`${encodeQueryComponent(key)}=${encodeQueryComponent(decodeQueryComponent(rawValue))}`);
    }
    parts.push(`${tokenKey}=${token}`);
    return parts.join('&');
  }
}

export function decodeQueryComponent(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Encodes like Graph's own next links: `$`, `,`, `(`, `)`, `'`, `:` and `/` stay readable. */
export function encodeQueryComponent(s: string): string {
  return encodeURIComponent(s)
    .replace(/%24/g, '$')
    .replace(/%2C/gi, ',')
    .replace(/%3A/gi, ':')
    .replace(/%2F/gi, '/')
    .replace(/%40/g, '@')
    .replace(/'/g, "'")
    .replace(/\(/g, '(')
    .replace(/\)/g, ')');
}

/** Opaque paging token: base64url JSON (no padding, so no `=` or `+` in URLs). */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeToken<T>(token: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw badRequest('The specified page token value has expired or is invalid.', 'Directory_ExpiredPageToken');
  }
}

/**
 * Projects an object onto `$select`, always keeping `id` and `@odata.*` annotations. Unknown
 * properties are rejected when `known` is given (Graph answers 400 for them).
 */
export function project(
  obj: Record<string, unknown>,
  select: string[] | undefined,
  known?: ReadonlySet<string>,
  typeName?: string,
): Record<string, unknown> {
  if (!select) return obj;
  if (known) {
    for (const s of select) {
      if (s === '*') continue;
      if (!known.has(s)) throw badRequest(`Could not find a property named '${s}' on type 'microsoft.graph.${typeName ?? 'entity'}'.`, 'Request_BadRequest');
    }
  }
  if (select.includes('*')) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('@odata.') || k === 'id') out[k] = v;
  }
  for (const s of select) {
    if (s in obj) out[s] = obj[s];
  }
  return out;
}
