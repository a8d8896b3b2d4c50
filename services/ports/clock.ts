/** Time, injected everywhere so tests can move it. */
export interface Clock {
  now(): Date;
  nowMs(): number;
  /** Resolves after `ms` of this clock's time (rejects with the signal's reason if aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Randomness, injected so tests are repeatable. */
export interface Random {
  /** A uniformly distributed number in [0, 1). */
  next(): number;
  /** A random id (UUID v4 form). */
  uuid(): string;
}
