import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../../../services/sim/tenant/generate.js';
import { validateTenantFile } from '../../../services/sim/tenant/validate.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const SCRIPT = join(ROOT, 'scripts/tenant-generate.ts');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSX, SCRIPT, ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run tenant:generate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenant-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a valid tenant equal to generateTenant, and prints a one-line persona summary', async () => {
    const out = join(dir, 'nested', 'tenant.json');
    const r = await run(['--users', '150', '--seed', '9', '--out', out, '--behaviour', 'registrationReportPasskeyValues=noSynced', '--behaviour', 'duplicateInstallAnswer=201']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/wrote .*tenant\.json \(150 users, \d+ groups, seed 9\); personas: .*no-passkey=\d+/);
    const json: unknown = JSON.parse(await readFile(out, 'utf8'));
    expect(validateTenantFile(json)).toMatchObject({ ok: true });
    expect(json).toEqual(generateTenant({ users: 150, seed: 9, behaviour: { registrationReportPasskeyValues: 'noSynced', duplicateInstallAnswer: 201 } }));
  });

  it('writes compact JSON on request (and by default for big tenants)', async () => {
    const out = join(dir, 'compact.json');
    const r = await run(['--users', '60', '--seed', '2', '--out', out, '--compact']);
    expect(r.code).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.includes('\n  ')).toBe(false);
    expect(JSON.parse(text)).toEqual(generateTenant({ users: 60, seed: 2 }));
  });

  it.each([
    [['--seed', '1', '--out', 'x.json'], /--users is required/],
    [['--users', 'many', '--seed', '1', '--out', 'x.json'], /--users must be a whole number \(got 'many'\)/],
    [['--users', '10', '--seed', '1', '--out', 'x.json'], /--users: users must be an integer from 50/],
    [['--users', '100', '--out', 'x.json'], /--seed is required/],
    [['--users', '100', '--seed', '1'], /--out is required/],
    [['--users', '100', '--seed', '1', '--out', 'x.json', '--behaviour', 'speed=fast'], /--behaviour speed: unknown switch/],
    [['--users', '100', '--seed', '1', '--out', 'x.json', '--behaviour', 'registrationReportPageSize=0'], /--behaviour registrationReportPageSize: must be an integer/],
    [['--users', '100', '--seed', '1', '--out', 'x.json', '--tenant-id', 'abc'], /--tenant-id: tenantId must be a GUID/],
    [['--users', '100', '--seed', '1', '--out', 'x.json', '--colour', 'red'], /Unknown option '--colour'/],
  ])('exits 2 naming the bad argument: %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('usage: npm run tenant:generate');
    await expect(stat(join(ROOT, 'x.json'))).rejects.toThrow();
  });
});
