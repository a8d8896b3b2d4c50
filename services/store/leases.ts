import type { LeaseAcquisition, Leases } from '../ports/store.js';
import type { SqlExecutor } from './sql.js';

/** Written by `release`: an instant before any clock the bot runs on, so the lease reads as free. */
const RELEASED_AT = new Date(0);

interface LeaseRow {
  holder: string;
  token: number;
  expires_at: Date;
}

/**
 * Each operation is one conditional statement, so replicas racing on PostgreSQL cannot both win:
 * the row lock taken by INSERT … ON CONFLICT DO UPDATE / UPDATE makes the second racer re-check
 * the condition against the first one's committed row.
 */
export class SqlLeases implements Leases {
  constructor(private readonly db: SqlExecutor) {}

  async tryAcquire(name: string, holder: string, ttlMs: number, now: Date): Promise<LeaseAcquisition> {
    const expiresAt = expiry(now, ttlMs);
    for (;;) {
      const won = await this.db.query<LeaseRow>(
        `INSERT INTO leases AS l (name, holder, token, expires_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (name) DO UPDATE SET
           holder = EXCLUDED.holder, token = l.token + 1, expires_at = EXCLUDED.expires_at
         WHERE l.expires_at <= $4 OR l.holder = EXCLUDED.holder
         RETURNING holder, token, expires_at`,
        [name, holder, expiresAt, now],
      );
      const row = won.rows[0];
      if (row) return { acquired: true, token: row.token, holder: row.holder, expiresAt: row.expires_at };
      const current = await this.db.query<LeaseRow>('SELECT holder, token, expires_at FROM leases WHERE name = $1', [name]);
      const held = current.rows[0];
      // Leases are never deleted, so the row that refused us is still there.
      if (held) return { acquired: false, holder: held.holder, expiresAt: held.expires_at };
    }
  }

  async renew(name: string, holder: string, token: number, ttlMs: number, now: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE leases SET expires_at = $4
       WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > $5`,
      [name, holder, token, expiry(now, ttlMs), now],
    );
    return rowCount === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.query('UPDATE leases SET expires_at = $3 WHERE name = $1 AND holder = $2', [name, holder, RELEASED_AT]);
  }

  async isHeld(name: string, token: number, now: Date): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT 1 FROM leases WHERE name = $1 AND token = $2 AND expires_at > $3 FOR SHARE',
      [name, token, now],
    );
    return rows.length === 1;
  }
}

function expiry(now: Date, ttlMs: number): Date {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`lease ttl must be a positive number of ms, got ${ttlMs}`);
  return new Date(now.getTime() + ttlMs);
}
