/**
 * The behaviours every Store must have, run against each adapter (embedded PGlite and PostgreSQL),
 * the way hono runs one suite over all its routers.
 *
 * `open` must return a store over the same database on every call (the suite closes the store
 * before it reopens it, so an embedded database's lock is free). Tests share one database and keep
 * out of each other's way with fresh ids.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationRef, Store } from '../../services/ports/store.js';
import {
  loadMigrations,
  migrate,
  sqlErrorCode,
  SqlReentrancyError,
  TransactionFinishedError,
  jsonParam,
} from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';
import { describeAuditLog, describeCampaignRepositories } from './campaign-contract.js';
import { describeStagingRepositories } from './staging-contract.js';
import { describeNudgeRepositories } from './nudge-contract.js';

const T0 = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));
const at = (ms: number) => new Date(T0.getTime() + ms);
const MINUTE = 60_000;

function makeRef(overrides: Partial<ConversationRef> = {}): ConversationRef {
  const id = randomUUID();
  return {
    aadObjectId: id,
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    teamsUserId: `29:1${id.replace(/-/g, '')}`,
    conversationId: `a:1${id.replace(/-/g, '')}`,
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    botId: '28:00000000-0000-0000-0000-00000000b07',
    source: 'message',
    updatedAt: T0,
    ...overrides,
  };
}

export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    describeCampaignRepositories(() => store);
    describeAuditLog(() => store);
    describeStagingRepositories(() => store);
    describeNudgeRepositories(() => store);

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(['pglite', 'postgres']).toContain(store.kind);
      expect(store.driver.kind).toBe(store.kind);
    });

    describe('conversation refs', () => {
      it('returns null for an unknown user', async () => {
        expect(await store.conversations.get(randomUUID())).toBeNull();
      });

      it('stores and returns every field', async () => {
        const ref = makeRef({ source: 'installation', updatedAt: new Date('2026-01-05T09:00:00.123Z') });
        await store.conversations.upsert(ref);
        const got = await store.conversations.get(ref.aadObjectId);
        expect(got).toEqual(ref);
        expect(got!.updatedAt).toBeInstanceOf(Date);
      });

      it('replaces a reference with a newer one and ignores an older one', async () => {
        const ref = makeRef({ source: 'installation', updatedAt: at(0) });
        await store.conversations.upsert(ref);
        const newer = { ...ref, conversationId: 'a:newer', source: 'created' as const, updatedAt: at(MINUTE) };
        await store.conversations.upsert(newer);
        expect(await store.conversations.get(ref.aadObjectId)).toEqual(newer);
        await store.conversations.upsert({ ...ref, conversationId: 'a:stale', updatedAt: at(30_000) });
        expect(await store.conversations.get(ref.aadObjectId)).toEqual(newer);
        const sameInstant = { ...newer, serviceUrl: 'https://smba.trafficmanager.net/amer/' };
        await store.conversations.upsert(sameInstant);
        expect(await store.conversations.get(ref.aadObjectId)).toEqual(sameInstant);
      });

      it('looks up many at once, returning only the known ones', async () => {
        const refs = Array.from({ length: 30 }, () => makeRef());
        for (const ref of refs) await store.conversations.upsert(ref);
        const unknown = [randomUUID(), randomUUID()];
        const wanted = [...refs.map((r) => r.aadObjectId), ...unknown, refs[0]!.aadObjectId];
        const found = await store.conversations.getMany(wanted);
        expect(found.size).toBe(30);
        for (const ref of refs) expect(found.get(ref.aadObjectId)).toEqual(ref);
        for (const id of unknown) expect(found.has(id)).toBe(false);
        expect((await store.conversations.getMany([])).size).toBe(0);
      });

      it('looks up more ids than one statement carries', async () => {
        const refs = Array.from({ length: 3 }, () => makeRef());
        for (const ref of refs) await store.conversations.upsert(ref);
        const filler = Array.from({ length: 12_000 }, () => randomUUID());
        const found = await store.conversations.getMany([refs[0]!.aadObjectId, ...filler, refs[1]!.aadObjectId, refs[2]!.aadObjectId]);
        expect([...found.keys()].sort()).toEqual(refs.map((r) => r.aadObjectId).sort());
      });

      it('refuses an unknown source (check constraint, same SQLSTATE in both drivers)', async () => {
        const bad = makeRef({ source: 'carrier-pigeon' as ConversationRef['source'] });
        const err = await store.conversations.upsert(bad).catch((e: unknown) => e);
        expect(sqlErrorCode(err)).toBe('23514');
        expect(await store.conversations.get(bad.aadObjectId)).toBeNull();
      });
    });

    describe('settings', () => {
      it('returns undefined for an unknown key', async () => {
        expect(await store.settings.get(`missing-${randomUUID()}`)).toBeUndefined();
      });

      it('round-trips nested JSON with unicode', async () => {
        const key = `nested-${randomUUID()}`;
        const value = {
          name: 'Déploiement passkeys — Zürich 東京 🔑',
          escapes: 'quote " backslash \\ newline \n tab \t',
          numbers: [0, -1, 1.5, 1e-7, 9007199254740991],
          flags: { on: true, off: false, none: null },
          deep: { a: { b: { c: [{ d: ['e', { f: 'ß' }] }] } } },
          empty: { list: [], object: {} },
        };
        await store.settings.set(key, value);
        expect(await store.settings.get(key)).toEqual(value);
      });

      it('stores top-level arrays, strings, numbers, booleans and null', async () => {
        for (const value of [[1, 'two', { three: 3 }], [], 'just text', '{"looks":"like json"}', 42, 0, false, null]) {
          const key = `scalar-${randomUUID()}`;
          await store.settings.set(key, value);
          expect(await store.settings.get(key)).toEqual(value);
        }
      });

      it('overwrites a key', async () => {
        const key = `overwrite-${randomUUID()}`;
        await store.settings.set(key, { v: 1 });
        await store.settings.set(key, { v: 2, extra: ['x'] });
        expect(await store.settings.get(key)).toEqual({ v: 2, extra: ['x'] });
      });

      it('refuses undefined and leaves nothing behind', async () => {
        const key = `undefined-${randomUUID()}`;
        await expect(store.settings.set(key, undefined)).rejects.toThrow(TypeError);
        expect(await store.settings.get(key)).toBeUndefined();
      });
    });

    describe('leases', () => {
      const lease = () => `lease-${randomUUID()}`;

      it('grants a free lease with a token and expiry now + ttl', async () => {
        const name = lease();
        const got = await store.leases.tryAcquire(name, 'replica-a', MINUTE, T0);
        expect(got).toEqual({ acquired: true, token: expect.any(Number), holder: 'replica-a', expiresAt: at(MINUTE) });
        expect(await store.leases.isHeld(name, (got as { token: number }).token, at(1))).toBe(true);
      });

      it('refuses a held lease to another holder and says who holds it until when', async () => {
        const name = lease();
        await store.leases.tryAcquire(name, 'replica-a', MINUTE, T0);
        expect(await store.leases.tryAcquire(name, 'replica-b', MINUTE, at(59_999))).toEqual({
          acquired: false,
          holder: 'replica-a',
          expiresAt: at(MINUTE),
        });
      });

      it('renews only for the holder of the current term, keeping the token', async () => {
        const name = lease();
        const a = await store.leases.tryAcquire(name, 'replica-a', MINUTE, T0);
        if (!a.acquired) throw new Error('expected to acquire');
        expect(await store.leases.renew(name, 'replica-a', a.token, MINUTE, at(50_000))).toBe(true);
        expect(await store.leases.renew(name, 'replica-b', a.token, MINUTE, at(50_000))).toBe(false);
        expect(await store.leases.renew(name, 'replica-a', a.token + 1, MINUTE, at(50_000))).toBe(false);
        // Renewed to 50 s + 60 s: replica-b is still refused at 100 s.
        const b = await store.leases.tryAcquire(name, 'replica-b', MINUTE, at(100_000));
        expect(b).toEqual({ acquired: false, holder: 'replica-a', expiresAt: at(110_000) });
        expect(await store.leases.isHeld(name, a.token, at(109_999))).toBe(true);
      });

      it('expires: another holder takes over with a greater token, and the old term can no longer renew', async () => {
        const name = lease();
        const a = await store.leases.tryAcquire(name, 'replica-a', MINUTE, T0);
        if (!a.acquired) throw new Error('expected to acquire');
        // expiresAt is the first instant the lease is no longer held.
        expect(await store.leases.isHeld(name, a.token, at(MINUTE))).toBe(false);
        expect(await store.leases.renew(name, 'replica-a', a.token, MINUTE, at(MINUTE))).toBe(false);
        const b = await store.leases.tryAcquire(name, 'replica-b', MINUTE, at(MINUTE));
        expect(b).toMatchObject({ acquired: true, holder: 'replica-b', expiresAt: at(2 * MINUTE) });
        if (!b.acquired) throw new Error('expected takeover');
        expect(b.token).toBeGreaterThan(a.token);
        expect(await store.leases.renew(name, 'replica-a', a.token, MINUTE, at(MINUTE + 1))).toBe(false);
        expect(await store.leases.isHeld(name, a.token, at(MINUTE + 1))).toBe(false);
        expect(await store.leases.isHeld(name, b.token, at(MINUTE + 1))).toBe(true);
      });

      it('issues a strictly greater fencing token on every acquisition, even by the same holder', async () => {
        const name = lease();
        const tokens: number[] = [];
        const holders = ['a', 'a', 'b', 'c', 'a'];
        for (const [i, holder] of holders.entries()) {
          const got = await store.leases.tryAcquire(name, holder, MINUTE, at(i * 2 * MINUTE));
          if (!got.acquired) throw new Error(`expected ${holder} to acquire`);
          tokens.push(got.token);
        }
        const again = await store.leases.tryAcquire(name, 'a', MINUTE, at(8 * MINUTE + 1));
        if (!again.acquired) throw new Error('the current holder re-acquires');
        tokens.push(again.token);
        for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
        expect(Number.isSafeInteger(tokens[0])).toBe(true);
      });

      it('release frees the lease at once for another holder; a non-holder cannot release', async () => {
        const name = lease();
        const a = await store.leases.tryAcquire(name, 'replica-a', MINUTE, T0);
        if (!a.acquired) throw new Error('expected to acquire');
        await store.leases.release(name, 'replica-b');
        expect(await store.leases.tryAcquire(name, 'replica-b', MINUTE, at(1))).toMatchObject({ acquired: false });
        await store.leases.release(name, 'replica-a');
        expect(await store.leases.isHeld(name, a.token, at(2))).toBe(false);
        expect(await store.leases.renew(name, 'replica-a', a.token, MINUTE, at(2))).toBe(false);
        const b = await store.leases.tryAcquire(name, 'replica-b', MINUTE, at(2));
        expect(b).toMatchObject({ acquired: true, holder: 'replica-b' });
        if (b.acquired) expect(b.token).toBeGreaterThan(a.token);
      });

      it('lets exactly one of many simultaneous contenders win', async () => {
        const name = lease();
        const holders = Array.from({ length: 8 }, (_, i) => `replica-${i}`);
        const results = await Promise.all(holders.map((h) => store.leases.tryAcquire(name, h, MINUTE, T0)));
        const winners = results.filter((r) => r.acquired);
        expect(winners).toHaveLength(1);
        for (const r of results) expect(r.holder).toBe(winners[0]!.holder);
      });

      it('refuses a non-positive ttl', async () => {
        await expect(store.leases.tryAcquire(lease(), 'a', 0, T0)).rejects.toThrow(RangeError);
      });
    });

    describe('types round-trip identically', () => {
      interface Row {
        ts: Date | null;
        big: number | null;
        doc: unknown;
        flag: boolean | null;
        tags: string[] | null;
        day: string | null;
        amount: string | null;
        label: string | null;
      }
      const cases: { name: string; row: Row }[] = [
        {
          name: 'typical values',
          row: {
            ts: new Date('2026-01-05T09:00:00.123Z'),
            big: 9007199254740991,
            doc: { a: [1, { b: 'é漢🔑' }], n: null },
            flag: true,
            tags: ['a', 'b,c', 'd"e', 'f\\g', 'ünï', '', 'NULL'],
            day: '2026-03-01',
            amount: '12345678901234567890.123',
            label: 'line\nbreak',
          },
        },
        {
          name: 'edge values',
          row: {
            ts: new Date('1969-07-20T20:17:40.000Z'),
            big: -9007199254740991,
            doc: [1, 2, 3],
            flag: false,
            tags: [],
            day: '1999-12-31',
            amount: '-0.5',
            label: '',
          },
        },
        {
          name: 'nulls',
          row: { ts: null, big: null, doc: null, flag: null, tags: null, day: null, amount: null, label: null },
        },
      ];

      for (const { name: caseName, row } of cases) {
        it(caseName, async () => {
          const back = await store.driver.transaction(async (tx) => {
            await tx.exec(`CREATE TEMP TABLE types_probe (
              ts timestamptz, big bigint, doc jsonb, flag boolean, tags text[], day date, amount numeric, label text
            ) ON COMMIT DROP`);
            await tx.query(
              'INSERT INTO types_probe VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)',
              [row.ts, row.big, row.doc === null ? null : jsonParam(row.doc), row.flag, row.tags, row.day, row.amount, row.label],
            );
            return (await tx.query<Row>('SELECT * FROM types_probe')).rows;
          });
          expect(back).toEqual([row]);
        });
      }

      it('reads count(*) and bigint as numbers and refuses to round a bigint beyond 2^53', async () => {
        const { rows } = await store.driver.query<{ n: number; c: number }>('SELECT 42::bigint AS n, count(*) AS c FROM (VALUES (1), (2)) v');
        expect(rows).toEqual([{ n: 42, c: 2 }]);
        await expect(store.driver.query('SELECT 9007199254740993::bigint AS n')).rejects.toThrow(RangeError);
        const { rows: asText } = await store.driver.query('SELECT 9007199254740993::bigint::text AS n');
        expect(asText).toEqual([{ n: '9007199254740993' }]);
      });

      it('reads a timestamp without time zone as UTC', async () => {
        const { rows } = await store.driver.query("SELECT '2026-01-05 10:00:00.5'::timestamp AS t");
        expect(rows[0]!.t).toEqual(new Date('2026-01-05T10:00:00.500Z'));
      });

      it('compares Date parameters as instants', async () => {
        const { rows } = await store.driver.query<{ later: boolean }>(
          "SELECT $1::timestamptz > '2026-01-05T09:00:00Z'::timestamptz AS later",
          [new Date('2026-01-05T09:00:00.001Z')],
        );
        expect(rows).toEqual([{ later: true }]);
      });

      it('counts affected rows the same way', async () => {
        const counts = await store.driver.transaction(async (tx) => {
          await tx.exec('CREATE TEMP TABLE count_probe (n int) ON COMMIT DROP');
          const inserted = await tx.query('INSERT INTO count_probe SELECT generate_series(1, 5)');
          const updated = await tx.query('UPDATE count_probe SET n = n + 1 WHERE n > 2');
          const selected = await tx.query('SELECT n FROM count_probe WHERE n > 3');
          const none = await tx.query('DELETE FROM count_probe WHERE n > 100');
          return [inserted.rowCount, updated.rowCount, selected.rowCount, none.rowCount];
        });
        expect(counts).toEqual([5, 3, 3, 0]);
      });

      it('reports a unique violation with the same SQLSTATE', async () => {
        const err = await store.driver
          .transaction(async (tx) => {
            await tx.exec('CREATE TEMP TABLE unique_probe (k text PRIMARY KEY) ON COMMIT DROP');
            await tx.query('INSERT INTO unique_probe VALUES ($1)', ['x']);
            await tx.query('INSERT INTO unique_probe VALUES ($1)', ['x']);
          })
          .catch((e: unknown) => e);
        expect(sqlErrorCode(err)).toBe('23505');
      });
    });

    describe('transactions', () => {
      it('commits everything written through the bound repositories', async () => {
        const ref = makeRef();
        const key = `tx-${randomUUID()}`;
        const result = await store.transaction(async (repos) => {
          await repos.conversations.upsert(ref);
          await repos.settings.set(key, { ok: true });
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.conversations.get(ref.aadObjectId)).toEqual(ref);
        expect(await store.settings.get(key)).toEqual({ ok: true });
      });

      it('rolls back everything when fn throws, and rethrows the same error', async () => {
        const ref = makeRef();
        const key = `rollback-${randomUUID()}`;
        const lease = `rollback-${randomUUID()}`;
        const boom = new Error('boom');
        await expect(
          store.transaction(async (repos) => {
            await repos.conversations.upsert(ref);
            await repos.settings.set(key, 1);
            await repos.leases.tryAcquire(lease, 'a', MINUTE, T0);
            expect(await repos.settings.get(key)).toBe(1);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await store.conversations.get(ref.aadObjectId)).toBeNull();
        expect(await store.settings.get(key)).toBeUndefined();
        const fresh = await store.leases.tryAcquire(lease, 'b', MINUTE, T0);
        expect(fresh).toMatchObject({ acquired: true, holder: 'b' });
      });

      it('refuses to commit when a statement failed inside and fn swallowed the error', async () => {
        const key = `swallowed-${randomUUID()}`;
        const err = await store
          .transaction(async (repos) => {
            await repos.settings.set(key, 'written first');
            await repos.conversations.upsert(makeRef({ source: 'bogus' as ConversationRef['source'] })).catch(() => undefined);
          })
          .catch((e: unknown) => e);
        expect(sqlErrorCode(err)).toBe('25P02');
        expect(await store.settings.get(key)).toBeUndefined();
      });

      it('refuses use of the store itself from inside a transaction (use the bound repositories)', async () => {
        const key = `reentrant-${randomUUID()}`;
        await store.transaction(async (repos) => {
          await expect(store.settings.get(key)).rejects.toBeInstanceOf(SqlReentrancyError);
          await expect(store.transaction(async () => undefined)).rejects.toMatchObject({ code: 'sql_reentrant_call' });
          await repos.settings.set(key, 'still usable');
        });
        expect(await store.settings.get(key)).toBe('still usable');
      });

      it('refuses a transaction executor used after the transaction finished', async () => {
        let leaked: Parameters<Parameters<Store['driver']['transaction']>[0]>[0] | undefined;
        await store.driver.transaction(async (tx) => {
          leaked = tx;
        });
        await expect(leaked!.query('SELECT 1')).rejects.toBeInstanceOf(TransactionFinishedError);
      });

      it('lands every concurrent serializable read-modify-write (retrying serialization failures)', async () => {
        const key = `counter-${randomUUID()}`;
        await store.settings.set(key, 0);
        const bump = () =>
          store.transaction(
            async (repos) => {
              const n = (await repos.settings.get<number>(key)) ?? 0;
              await new Promise((r) => setTimeout(r, 5));
              await repos.settings.set(key, n + 1);
            },
            { isolation: 'serializable' },
          );
        await Promise.all(Array.from({ length: 4 }, bump));
        expect(await store.settings.get(key)).toBe(4);
      });

      it('never shows a concurrent reader part of a transaction', async () => {
        const prefix = `atomic-${randomUUID()}-`;
        const count = async () =>
          (
            await store.driver.query<{ n: number }>('SELECT count(*) AS n FROM app_settings WHERE key LIKE $1', [`${prefix}%`])
          ).rows[0]!.n;
        let writing = true;
        const writer = store
          .transaction(async (repos) => {
            for (let i = 0; i < 10; i++) {
              await repos.settings.set(`${prefix}${i}`, i);
              await new Promise((r) => setTimeout(r, 2));
            }
          })
          .finally(() => {
            writing = false;
          });
        const seen: number[] = [];
        while (writing) seen.push(await count());
        await writer;
        seen.push(await count());
        expect(seen.every((n) => n === 0 || n === 10)).toBe(true);
        expect(seen.at(-1)).toBe(10);
      });
    });

    describe('migrations', () => {
      it('records every migration file with its checksum', async () => {
        const files = await loadMigrations();
        const { rows } = await store.driver.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
          'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
        );
        expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(files.map((m) => [m.version, m.name, m.checksum]));
        for (const r of rows) expect(r.applied_at).toBeInstanceOf(Date);
      });

      it('applies nothing when run again', async () => {
        const report = await migrate(store.driver, silentLogger());
        const files = await loadMigrations();
        expect(report).toEqual({ applied: [], version: files.at(-1)!.version });
      });

      it('keeps data and migration history across close and reopen', async () => {
        const ref = makeRef();
        const key = `durable-${randomUUID()}`;
        await store.conversations.upsert(ref);
        await store.settings.set(key, { kept: ['yes'] });
        const history = (await store.driver.query('SELECT * FROM schema_migrations ORDER BY version')).rows;
        await store.close();
        store = await open();
        expect(await store.conversations.get(ref.aadObjectId)).toEqual(ref);
        expect(await store.settings.get(key)).toEqual({ kept: ['yes'] });
        expect((await store.driver.query('SELECT * FROM schema_migrations ORDER BY version')).rows).toEqual(history);
      });
    });
  });
}
