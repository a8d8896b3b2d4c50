import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite runs PostgreSQL in single-user mode inside this process and does not stop a second
 * process from opening the same files — two of them would corrupt the database. A pid file next
 * to the data keeps to one process per DATA_DIR; a file left by a process that died (kill -9,
 * crash) is taken over.
 *
 * Not guarded: two processes taking over the same stale file in the same instant, and a dead
 * process's pid reused by an unrelated live one (then the message names the lock file to delete).
 */
export class DataDirInUseError extends Error {
  readonly code = 'data_dir_in_use';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid}; run one bot per DATA_DIR or set DATABASE_URL` +
        (pid === process.pid ? ' (it is open in this process already)' : ` (lock file ${lockFile})`),
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  readonly file: string;
  /** The pid of the dead process whose lock was taken over, if any. */
  readonly tookOverFrom?: number;
  release(): void;
}

export const LOCK_FILE_NAME = 'db.lock';

/** Tells this process's successive locks apart, so a late release never removes a newer lock. */
let acquisitions = 0;

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE_NAME);
  const content = `${process.pid}\n${++acquisitions}\n`;
  let tookOverFrom: number | undefined;
  try {
    writeFileSync(file, content, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readLockPid(file);
    if (holder !== undefined && isProcessAlive(holder)) throw new DataDirInUseError(dataDir, holder, file);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, content);
    renameSync(temp, file);
    tookOverFrom = holder;
  }
  return {
    file,
    tookOverFrom,
    release() {
      if (readLock(file) === content) unlinkSync(file);
    },
  };
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The pid on the lock file's first line. */
function readLockPid(file: string): number | undefined {
  const pid = Number.parseInt(readLock(file)?.split('\n')[0] ?? '', 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
