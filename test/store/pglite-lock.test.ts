import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../services/store/data-dir-lock.js';
import { DataDirInUseError, LOCK_FILE_NAME, openStore } from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';
import { spawnStoreChild } from './support/spawn-child.js';

const root = mkdtempSync(join(tmpdir(), 'store-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `data-${++n}`);
const open = (dataDir: string) => openStore({ dataDir, logger: silentLogger() });

const lockPid = (dataDir: string) => Number(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8').split('\n')[0]);

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(done.stdout);
}

describe('embedded data directory lock', () => {
  it('refuses a second open by another process, naming it, and recovers once that process is killed', { timeout: 60_000 }, async () => {
    const dataDir = freshDir();
    const holder = spawnStoreChild('hold', dataDir);
    try {
      await holder.ready;
      const err = await open(dataDir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirInUseError);
      expect((err as Error).message).toContain(
        `the embedded database in ${dataDir} is in use by process ${holder.pid}; run one bot per DATA_DIR or set DATABASE_URL`,
      );
      expect((err as DataDirInUseError).code).toBe('data_dir_in_use');
    } finally {
      await holder.kill('SIGKILL');
    }
    const store = await open(dataDir);
    expect(lockPid(dataDir)).toBe(process.pid);
    await store.close();
  });

  it('refuses a second open in the same process and frees the lock on close', async () => {
    const dataDir = freshDir();
    const first = await open(dataDir);
    await expect(open(dataDir)).rejects.toThrow(`is in use by process ${process.pid}`);
    await first.settings.set('still', 'fine');
    await first.close();
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
    const again = await open(dataDir);
    expect(await again.settings.get('still')).toBe('fine');
    await again.close();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dataDir = freshDir();
    await (await open(dataDir)).close();
    const dead = deadPid();
    writeFileSync(join(dataDir, LOCK_FILE_NAME), `${dead}\n`);
    const store = await open(dataDir);
    expect(lockPid(dataDir)).toBe(process.pid);
    await store.close();
  });

  it('takes over a lock file that holds no pid', async () => {
    const dataDir = freshDir();
    await (await open(dataDir)).close();
    writeFileSync(join(dataDir, LOCK_FILE_NAME), 'garbage');
    const store = await open(dataDir);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('a late release of an earlier lock never removes the lock that replaced it', () => {
    const dataDir = freshDir();
    mkdirSync(dataDir);
    const first = acquireDataDirLock(dataDir);
    writeFileSync(join(dataDir, LOCK_FILE_NAME), `${deadPid()}\n`);
    const second = acquireDataDirLock(dataDir);
    expect(second.tookOverFrom).toBeGreaterThan(0);
    first.release();
    expect(lockPid(dataDir)).toBe(process.pid);
    expect(() => acquireDataDirLock(dataDir)).toThrow(DataDirInUseError);
    second.release();
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  });
});
