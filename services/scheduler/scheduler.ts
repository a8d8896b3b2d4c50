import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';

/**
 * Background work (syncs, the reminder sender, drift watch, expiries) runs on exactly one replica:
 * the holder of the `scheduler` lease. When it dies the lease runs out and another replica takes
 * over within `leaseTtlMs` (DESIGN.md "Scale targets").
 */
export interface Job {
  name: string;
  everyMs: number;
  run(signal: AbortSignal): Promise<void>;
}

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** This process, as lease holder (unique per replica). */
  holder: string;
  tickMs?: number;
  leaseTtlMs?: number;
}

export const SCHEDULER_LEASE = 'scheduler';
const LAST_RUN_KEY = 'scheduler:last-run';

export class Scheduler {
  private readonly tickMs: number;
  private readonly leaseTtlMs: number;
  private readonly stop = new AbortController();
  private token: number | null = null;
  private loop: Promise<void> | null = null;
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly o: SchedulerOptions) {
    this.tickMs = o.tickMs ?? 5_000;
    this.leaseTtlMs = o.leaseTtlMs ?? 30_000;
  }

  isLeader(): boolean {
    return this.token !== null;
  }

  start(jobs: Job[]): void {
    if (this.loop) return;
    this.loop = this.run(jobs);
  }

  /** Stops; `release: false` walks away holding the lease, as a crashed process would (tests). */
  async close(opts: { release?: boolean } = {}): Promise<void> {
    this.stop.abort();
    await this.loop;
    await Promise.allSettled([...this.running.values()]);
    if (this.token !== null && opts.release !== false) await this.o.store.leases.release(SCHEDULER_LEASE, this.o.holder).catch(() => undefined);
    this.token = null;
  }

  private async run(jobs: Job[]): Promise<void> {
    const { store, clock, logger, holder } = this.o;
    while (!this.stop.signal.aborted) {
      try {
        const now = clock.now();
        if (this.token !== null) {
          const kept = await store.leases.renew(SCHEDULER_LEASE, holder, this.token, this.leaseTtlMs, now);
          if (!kept) {
            logger.warn({ holder }, 'scheduler lease lost; another replica runs background work now');
            this.token = null;
          }
        }
        if (this.token === null) {
          const lease = await store.leases.tryAcquire(SCHEDULER_LEASE, holder, this.leaseTtlMs, now);
          if (lease.acquired) {
            this.token = lease.token;
            logger.info({ holder, token: lease.token }, 'this replica runs the scheduler');
          }
        }
        if (this.token !== null) await this.runDueJobs(jobs);
      } catch (e) {
        logger.error({ err: e instanceof Error ? e.message : String(e) }, 'scheduler tick failed');
      }
      await clock.sleep(this.tickMs, this.stop.signal).catch(() => undefined);
    }
  }

  private async runDueJobs(jobs: Job[]): Promise<void> {
    const { store, clock, logger } = this.o;
    const last = (await store.settings.get<Record<string, string>>(LAST_RUN_KEY)) ?? {};
    for (const job of jobs) {
      if (this.running.has(job.name)) continue;
      const lastRun = last[job.name] ? Date.parse(last[job.name]!) : 0;
      if (clock.nowMs() - lastRun < job.everyMs) continue;
      const startedAt = clock.now().toISOString();
      const latest = (await store.settings.get<Record<string, string>>(LAST_RUN_KEY)) ?? {};
      await store.settings.set(LAST_RUN_KEY, { ...latest, [job.name]: startedAt });
      const p = job
        .run(this.stop.signal)
        .catch((e: unknown) => logger.error({ job: job.name, err: e instanceof Error ? e.message : String(e) }, 'scheduled job failed'))
        .finally(() => this.running.delete(job.name));
      this.running.set(job.name, p);
    }
  }
}
