import type { SyncRun } from '../ports/campaign-store.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import type { SyncEngine, SyncOptions, SyncSummary } from './sync-engine.js';

export const SYNC_LEASE = 'sync';
const LEASE_TTL_MS = 90_000;
const RENEW_EVERY_MS = 30_000;

export type SyncStart = { started: true; done: Promise<SyncSummary> } | { started: false; running: SyncRun | null; holder: string };

/**
 * One sync at a time across every replica (a lease in the database). A command or the scheduler asks
 * to start; if another is running, the answer says which. Runs left "running" by a process that died
 * are marked failed when the next one starts.
 */
export class SyncCoordinator {
  /** The lease is re-entrant for its holder, so this process also remembers that it is running one. */
  private busy = false;
  /** A run asked for while one was going: started again when it ends (latest request wins). */
  private queued: SyncOptions | null = null;

  constructor(
    private readonly d: { engine: SyncEngine; store: Store; clock: Clock; holder: string; logger: Logger },
  ) {}

  async start(o: SyncOptions): Promise<SyncStart> {
    const { store, clock, holder } = this.d;
    if (this.busy) return { started: false, running: (await store.syncRuns.running()).at(-1) ?? null, holder };
    this.busy = true;
    const lease = await store.leases.tryAcquire(SYNC_LEASE, holder, LEASE_TTL_MS, clock.now()).catch((e: unknown) => {
      this.busy = false;
      throw e;
    });
    if (!lease.acquired) {
      this.busy = false;
      const running = (await store.syncRuns.running()).at(-1) ?? null;
      return { started: false, running, holder: lease.holder };
    }
    for (const stale of await store.syncRuns.running()) {
      await store.syncRuns.finish(stale.id, 'failed', clock.now(), 'interrupted: the bot process running it stopped', null);
    }
    const token = lease.token;
    const stop = new AbortController();
    const renewing = (async () => {
      while (!stop.signal.aborted) {
        await clock.sleep(RENEW_EVERY_MS, stop.signal).catch(() => undefined);
        if (stop.signal.aborted) return;
        const ok = await store.leases.renew(SYNC_LEASE, holder, token, LEASE_TTL_MS, clock.now()).catch(() => false);
        if (!ok) this.d.logger.warn({ holder }, 'sync lease lost while running');
      }
    })();
    const done = (async () => {
      try {
        return await this.d.engine.run(o);
      } finally {
        stop.abort();
        await renewing;
        await store.leases.release(SYNC_LEASE, holder).catch(() => undefined);
        this.busy = false;
        const next = this.queued;
        this.queued = null;
        if (next) void this.start(next).then((r) => (r.started ? r.done.catch(() => undefined) : undefined));
      }
    })();
    return { started: true, done };
  }

  /**
   * Starts a run now, or — when this process is already running one — right after it (new cohorts
   * added during a sync are read without waiting for the schedule).
   */
  async startOrQueue(o: SyncOptions): Promise<'started' | 'queued' | 'elsewhere'> {
    if (this.busy) {
      this.queued = this.queued && (this.queued.campaignId ?? null) !== (o.campaignId ?? null) ? { ...o, campaignId: null } : o;
      return 'queued';
    }
    const r = await this.start(o);
    if (r.started) {
      void r.done.catch(() => undefined);
      return 'started';
    }
    return 'elsewhere';
  }
}
