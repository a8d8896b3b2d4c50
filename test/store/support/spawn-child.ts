import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./store-child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface StoreChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Numbers printed so far (mode "write": each one committed before it was printed). */
  readonly printed: number[];
  /** Resolves once the child printed "ready". */
  ready: Promise<void>;
  /** Resolves when `predicate` holds after some output (or rejects if the child exits first). */
  until(predicate: () => boolean): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs test/store/support/store-child.ts in a separate Node process (through tsx). */
export function spawnStoreChild(mode: 'hold' | 'write', dataDir: string): StoreChild {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode, dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed: number[] = [];
  let errText = '';
  let partial = '';
  let isReady = false;
  const waiters = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errText += chunk;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('ready ')) isReady = true;
      else if (/^\d+$/.test(line)) printed.push(Number(line));
    }
    for (const wake of waiters) wake();
  });

  const until = (predicate: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate()) {
          waiters.delete(check);
          resolve();
        } else if (hasExited) {
          waiters.delete(check);
          reject(new Error(`store child exited before the condition held; stderr:\n${errText}`));
        }
      };
      waiters.add(check);
      check();
    });

  return {
    process: child,
    pid: child.pid!,
    printed,
    ready: until(() => isReady),
    until,
    async kill(signal) {
      if (!hasExited) child.kill(signal);
      return exited;
    },
    stderr: () => errText,
  };
}
