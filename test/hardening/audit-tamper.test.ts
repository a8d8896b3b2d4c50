import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import { describePostgres, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { say } from '../helpers/staging.js';
import { startTestWorld, type TestWorld } from '../helpers/world.js';

/**
 * Issue 9.7: someone with access to the database edits the audit log behind the bot's back (they
 * must switch the append-only trigger off first). `audit verify`, asked in chat, names the first
 * broken entry; an untampered log verifies. Each tamper is undone before the next.
 */
function tamperSuite(label: string, start: () => Promise<TestWorld>): void {
  let w: TestWorld;
  const db = () => w.bot.store.driver;
  let entries = 0;

  beforeAll(async () => {
    w = await start();
    await say(w, 'admin', 'campaign create Ledger deadline 2027-06-30 threshold 80%');
    await say(w, 'admin', 'campaign set Ledger threshold 85%');
    await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Ledger`);
    await say(w, 'admin', 'campaign set Ledger threshold 90%');
    await say(w, 'admin', 'campaign create Scratch');
    await say(w, 'admin', 'campaign remove Scratch');
    entries = (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n;
    expect(entries).toBeGreaterThanOrEqual(6);
    await db().exec('CREATE TABLE audit_log_original AS SELECT * FROM audit_log');
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Runs `sql` with the append-only trigger off, asks `audit verify` in chat, then restores the log. */
  async function tamperAndVerify(sql: string | string[], params: unknown[] = []): Promise<string> {
    await db().exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    try {
      for (const statement of [sql].flat()) await db().query(statement, params);
    } finally {
      await db().exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    }
    const answer = (await say(w, 'admin', 'audit verify')).text;
    await db().exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db().exec('DELETE FROM audit_log');
    await db().exec('INSERT INTO audit_log SELECT * FROM audit_log_original');
    await db().exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    return answer;
  }

  const broken = (seq: number, why: RegExp) => new RegExp(`⛔ The audit log does NOT verify: ${why.source} \\(entry #${seq}; ${seq - 1} entries before it are intact\\)`);

  describe(`${label}: audit verify in chat`, () => {
    it('says an untampered log verifies, with its length', async () => {
      const head = (await w.bot.store.audit.recent({ limit: 1 }))[0]!;
      expect((await say(w, 'admin', 'audit verify')).text).toBe(
        `The audit log verifies: ${entries} entries, the hash chain is intact. Newest entry #${entries}, hash \`${head.hash.slice(0, 16)}\`. Note it down: entries cut from the end leave a chain that still verifies, so a later check showing fewer entries, or another hash for #${entries}, means the log was cut.`,
      );
    });

    it('a log cut from its end still chains, but the newest entry it names changes (why the answer says to note it)', async () => {
      const answer = await tamperAndVerify(`DELETE FROM audit_log WHERE seq > ${entries - 2}`);
      const before = (await w.bot.store.audit.recent({ limit: 3 })).find((e) => e.seq === entries - 2)!;
      expect(answer).toMatch(new RegExp(`verifies: ${entries - 2} entries[\\s\\S]*Newest entry #${entries - 2}, hash \`${before.hash.slice(0, 16)}\``));
    });

    it('the database itself refuses a plain update or delete of an audit row', async () => {
      await expect(db().query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")).rejects.toThrow(/append-only/);
      await expect(db().query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
      await expect(db().exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    });

    it.each([
      ['the actor', "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"],
      ['the time', "UPDATE audit_log SET at = at - interval '1 day' WHERE seq = 3"],
      ['the action', "UPDATE audit_log SET action = 'campaign.show' WHERE seq = 3"],
      ['the details', `UPDATE audit_log SET after = jsonb_set(coalesce(after, '{}'::jsonb), '{threshold}', '10') WHERE seq = 3`],
      ['the subject', "UPDATE audit_log SET subject = 'someone-else' WHERE seq = 3"],
    ])('names the entry whose %s was changed', async (_what, sql) => {
      expect(await tamperAndVerify(sql)).toMatch(broken(3, /entry 3 was changed after it was written/));
    });

    it('names an entry that was changed and re-hashed without its successor', async () => {
      // The forger recomputes entry 3's own hash, but entry 4 still names the old one.
      const { auditContent, auditHash } = await import('../../services/store/audit-log.js');
      const e = (await w.bot.store.audit.recent({ limit: 500 })).find((x) => x.seq === 3)!;
      const forged = { ...e, actor: 'mallory' };
      const hash = auditHash(e.prevHash, 3, auditContent(forged));
      expect(await tamperAndVerify('UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = 3', ['mallory', hash])).toMatch(broken(4, /entry 4 does not follow entry 3/));
    });

    it('names a deleted entry', async () => {
      expect(await tamperAndVerify('DELETE FROM audit_log WHERE seq = 2')).toMatch(broken(2, /entry 2 is missing/));
    });

    it('names reordered entries (two rows swapped their numbers)', async () => {
      const sql = ['UPDATE audit_log SET seq = -2 WHERE seq = 2', 'UPDATE audit_log SET seq = 2 WHERE seq = 3', 'UPDATE audit_log SET seq = 3 WHERE seq = -2'];
      expect(await tamperAndVerify(sql)).toMatch(broken(2, /entry 2 (does not follow entry 1|was changed after it was written)/));
    });

    it('names reordered content (two rows swapped everything but their numbers)', async () => {
      const sql = `UPDATE audit_log a SET at = b.at, actor = b.actor, action = b.action, campaign_id = b.campaign_id, cohort_id = b.cohort_id, subject = b.subject, before = b.before, after = b.after, details = b.details
        FROM audit_log b WHERE (a.seq, b.seq) IN ((4, 5), (5, 4))`;
      expect(await tamperAndVerify(sql)).toMatch(broken(4, /entry 4 was changed after it was written/));
    });

    it('verifies again once the original rows are back', async () => {
      expect((await say(w, 'admin', 'audit verify')).text).toMatch(/The audit log verifies/);
    });
  });
}

tamperSuite('embedded PGlite', () => startTestWorld({ users: 60, seed: 5 }));

await describePostgres('audit tampering on PostgreSQL', (schema) => {
  tamperSuite('PostgreSQL', () => startTestWorld({ users: 60, seed: 5, env: { DATABASE_URL: TEST_DATABASE_URL }, bot: { databaseSchema: schema.name } }));
});
