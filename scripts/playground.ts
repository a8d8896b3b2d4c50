/**
 * `npm run playground`: the Microsoft 365 Agents Playground (offline Teams-like chat) against a bot
 * that is already running (`npm start` with PLAYGROUND=off, or `npm run serve`).
 * Uses the demo tenant in DATA_DIR for the playground's current user, so roles come from that tenant.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPlayground } from '../bot/demo.js';
import { generateTenant } from '../services/sim/tenant/generate.js';
import { readTenantFile } from '../services/sim/tenant/validate.js';

const dataDir = resolve(process.env.DATA_DIR ?? './.data');
const port = Number(process.env.PLAYGROUND_PORT ?? 56150);
const botUrl = process.env.BOT_ENDPOINT ?? `http://127.0.0.1:${process.env.PORT ?? 3978}/api/messages`;
const tenantPath = process.env.SIM_TENANT ?? join(dataDir, 'demo-tenant.json');
const tenant = existsSync(tenantPath) ? await readTenantFile(tenantPath) : generateTenant({ users: 500, seed: 42 });
const { child } = startPlayground({ botUrl, port, dataDir, tenant });
console.log(`Agents Playground on http://127.0.0.1:${port} → ${botUrl} (Ctrl+C to stop)`);
process.once('SIGINT', () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
