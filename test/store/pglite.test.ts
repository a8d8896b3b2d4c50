import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';
import { describeStoreContract } from './store-contract.js';

const dataDir = mkdtempSync(join(tmpdir(), 'store-pglite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeStoreContract('pglite (data dir)', () => openStore({ dataDir, logger: silentLogger() }));
