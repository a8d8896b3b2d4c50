/**
 * Graph failures as typed values, so callers branch on a kind, never on message text, and never show
 * a Graph error body to a user.
 */
export type GraphErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'unexpected';

export class GraphRequestError extends Error {
  override readonly name = 'GraphRequestError';
  constructor(
    readonly kind: GraphErrorKind,
    readonly status: number,
    /** Graph's error code, e.g. `Request_ResourceNotFound`, `Authorization_RequestDenied`. */
    readonly code: string,
    message: string,
    readonly method: string,
    /** Path without host or query (no personal data in the query ends up in logs). */
    readonly path: string,
    readonly requestId: string | null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(`${method} ${path} → ${status} ${code}: ${message}`);
  }

  /** Fields safe to log. */
  toLog(): Record<string, unknown> {
    return { kind: this.kind, status: this.status, code: this.code, method: this.method, path: this.path, requestId: this.requestId };
  }
}

export function kindOfStatus(status: number): GraphErrorKind {
  if (status === 400 || status === 422) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 412) return 'precondition_failed';
  if (status === 429) return 'throttled';
  if (status === 503 || status === 502 || status === 500) return 'unavailable';
  if (status === 504) return 'timeout';
  return 'unexpected';
}

export function isGraphError(e: unknown, kind?: GraphErrorKind): e is GraphRequestError {
  return e instanceof GraphRequestError && (kind === undefined || e.kind === kind);
}
