/**
 * A separate process holding the embedded store, for the lock and kill -9 tests.
 *   hold  <dataDir>  open the store, print "ready <pid>", wait to be killed
 *   write <dataDir>  open the store, then commit numbered rows forever, printing each number
 *                    only after its commit has returned
 */
import { bindRepositories, openStore } from '../../../services/store/index.js';
import { silentLogger } from '../../../services/system/logger.js';

const [mode, dataDir] = process.argv.slice(2);
if (!dataDir || (mode !== 'hold' && mode !== 'write')) {
  process.stderr.write('usage: store-child.ts hold|write <dataDir>\n');
  process.exit(2);
}

const store = await openStore({ dataDir, logger: silentLogger() });

if (mode === 'hold') {
  process.stdout.write(`ready ${process.pid}\n`);
  setInterval(() => undefined, 60_000);
} else {
  await store.driver.exec('CREATE TABLE IF NOT EXISTS crash_rows (n integer PRIMARY KEY)');
  const { rows } = await store.driver.query<{ max: number | null }>('SELECT max(n) AS max FROM crash_rows');
  process.stdout.write(`ready ${process.pid}\n`);
  for (let n = (rows[0]?.max ?? 0) + 1; ; n++) {
    // Two writes per transaction, so the parent can also check that recovery keeps them together.
    await store.driver.transaction(async (tx) => {
      await tx.query('INSERT INTO crash_rows (n) VALUES ($1)', [n]);
      await bindRepositories(tx).settings.set('crash:last', n);
    });
    process.stdout.write(`${n}\n`);
  }
}
