/**
 * The request/response shapes the simulated tenant's Graph core works on. The HTTPS server and
 * `$batch` both turn their input into a `SimRequest` and run it through the same pipeline.
 */

export type GraphVersion = 'v1.0' | 'beta';

export interface SimRequest {
  method: string;
  /** Path without the version segment and without the query, e.g. `/users/abc/manager`. */
  path: string;
  /** Raw query string without `?` (may be empty). */
  rawQuery: string;
  version: GraphVersion;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body (undefined when none). */
  body: unknown;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable body; undefined for empty responses (204, 201 without content). */
  body?: unknown;
  /** A plain-text body instead (e.g. `/$count`). */
  text?: string;
}

/** A Graph error to be answered with the documented error envelope. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export const badRequest = (message: string, code = 'BadRequest') => new GraphError(400, code, message);
export const notFound = (message: string, code = 'Request_ResourceNotFound') => new GraphError(404, code, message);
export const forbidden = (message: string, code = 'Authorization_RequestDenied') => new GraphError(403, code, message);

export function resourceNotFound(id: string): GraphError {
  return notFound(`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

export function errorBody(
  code: string,
  message: string,
  date: Date,
  requestId: string,
  clientRequestId: string,
): { error: { code: string; message: string; innerError: Record<string, string> } } {
  return {
    error: {
      code,
      message,
      innerError: {
        date: date.toISOString().slice(0, 19),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}

export const JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
