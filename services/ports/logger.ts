/**
 * Structured logger (pino-compatible subset). Log object ids, never tokens, secrets, TAP codes or
 * card payloads; UPNs only where an admin needs them.
 */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}
