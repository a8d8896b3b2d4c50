/**
 * `npm run tenant:generate -- --users N --seed S --out FILE [--behaviour key=value ...]`
 *
 * Generates a seeded simulated tenant (services/sim/tenant/generate.ts), validates it against the tenant
 * file schema and references (validate.ts), writes it, and prints a one-line summary. Bad arguments exit
 * with code 2 and a message naming the argument; an invalid result (a generator bug) exits with 1.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  DEFAULT_BEHAVIOUR,
  GenerateOptionError,
  MAX_USERS,
  MIN_USERS,
  countPersonas,
  generateTenant,
  type GenerateTenantOptions,
} from '../services/sim/tenant/generate.js';
import { validateTenantFile } from '../services/sim/tenant/validate.js';
import type { SimBehaviour, TenantFile } from '../services/sim/tenant/model.js';

const USAGE = `usage: npm run tenant:generate -- --users N --seed S --out FILE
         [--behaviour key=value ...] [--domain NAME] [--tenant-id GUID] [--generated-at ISO]
         [--teams-app-id ID] [--pretty | --compact]
  --users N        total user objects, ${MIN_USERS}..${MAX_USERS} (demo, break-glass and guest accounts included)
  --seed S         integer 0..4294967295; the same seed gives the same file
  --out FILE       where to write the tenant file (JSON)
  --behaviour k=v  simulator switch, repeatable: ${Object.keys(DEFAULT_BEHAVIOUR).join(', ')}
  --pretty         indent the JSON (default up to 2,000 users); --compact writes one line`;

class ArgError extends Error {}

const FLAG_OF: Record<keyof GenerateTenantOptions, string> = {
  users: '--users',
  seed: '--seed',
  generatedAt: '--generated-at',
  tenantId: '--tenant-id',
  domain: '--domain',
  teamsAppExternalId: '--teams-app-id',
  behaviour: '--behaviour',
};

const BEHAVIOUR_PARSERS: { [K in keyof SimBehaviour]: (raw: string) => SimBehaviour[K] } = {
  registrationReportPasskeyValues: (raw) => oneOf(raw, ['current', 'noSynced', 'legacy'] as const),
  registrationReportPageSize: (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100_000) throw new ArgError('must be an integer from 1 to 100000');
    return Number(raw);
  },
  registrationReportAcceptsTop: (raw) => bool(raw),
  duplicateInstallAnswer: (raw) => Number(oneOf(raw, ['409', '201'] as const)) as 409 | 201,
  signInsPolicyFilterSupported: (raw) => bool(raw),
};

function oneOf<T extends string>(raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new ArgError(`must be one of ${allowed.join(', ')}`);
  return raw as T;
}

function bool(raw: string): boolean {
  return oneOf(raw, ['true', 'false'] as const) === 'true';
}

function integerArg(name: string, raw: string | undefined): number {
  if (raw === undefined) throw new ArgError(`${name} is required`);
  if (!/^\d+$/.test(raw)) throw new ArgError(`${name} must be a whole number (got '${raw}')`);
  return Number(raw);
}

function parseBehaviour(items: string[]): Partial<SimBehaviour> {
  const out: Partial<Record<keyof SimBehaviour, unknown>> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ArgError(`--behaviour expects key=value (got '${item}')`);
    const key = item.slice(0, eq);
    const raw = item.slice(eq + 1);
    if (!(key in BEHAVIOUR_PARSERS)) {
      throw new ArgError(`--behaviour ${key}: unknown switch; known: ${Object.keys(BEHAVIOUR_PARSERS).join(', ')}`);
    }
    try {
      out[key as keyof SimBehaviour] = BEHAVIOUR_PARSERS[key as keyof SimBehaviour](raw);
    } catch (err) {
      throw new ArgError(`--behaviour ${key}: ${(err as Error).message} (got '${raw}')`);
    }
  }
  return out as Partial<SimBehaviour>;
}

interface Cli {
  options: GenerateTenantOptions;
  out: string;
  pretty: boolean;
}

function parseCli(argv: string[]): Cli {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        users: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        behaviour: { type: 'string', multiple: true },
        domain: { type: 'string' },
        'tenant-id': { type: 'string' },
        'generated-at': { type: 'string' },
        'teams-app-id': { type: 'string' },
        pretty: { type: 'boolean' },
        compact: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new ArgError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const users = integerArg('--users', values.users);
  const seed = integerArg('--seed', values.seed);
  if (!values.out) throw new ArgError('--out is required');
  if (values.pretty && values.compact) throw new ArgError('--pretty and --compact exclude each other');
  const options: GenerateTenantOptions = { users, seed, behaviour: parseBehaviour(values.behaviour ?? []) };
  if (values.domain !== undefined) options.domain = values.domain;
  if (values['tenant-id'] !== undefined) options.tenantId = values['tenant-id'];
  if (values['generated-at'] !== undefined) options.generatedAt = values['generated-at'];
  if (values['teams-app-id'] !== undefined) options.teamsAppExternalId = values['teams-app-id'];
  return { options, out: resolve(values.out), pretty: values.pretty ?? (!values.compact && users <= 2000) };
}

/** Streams the file so a 100,000-user tenant never has to exist as one string. */
async function writeTenant(path: string, tenant: TenantFile, pretty: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path, { encoding: 'utf8' });
  let buffer = '';
  const put = async (s: string) => {
    buffer += s;
    if (buffer.length >= 1 << 20) {
      const chunk = buffer;
      buffer = '';
      if (!out.write(chunk)) await once(out, 'drain');
    }
  };
  const nl = pretty ? '\n' : '';
  const json = (v: unknown, depth: number) => {
    const s = JSON.stringify(v, null, pretty ? 2 : undefined);
    return pretty ? s.replace(/\n/g, `\n${'  '.repeat(depth)}`) : s;
  };
  const keys = Object.keys(tenant) as (keyof TenantFile)[];
  await put(`{${nl}`);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const value = tenant[key];
    await put(`${pretty ? '  ' : ''}${JSON.stringify(key)}:${pretty ? ' ' : ''}`);
    if (Array.isArray(value) && value.length > 0) {
      await put(`[${nl}`);
      for (let i = 0; i < value.length; i++) {
        await put(`${pretty ? '    ' : ''}${json(value[i], 2)}${i < value.length - 1 ? ',' : ''}${nl}`);
      }
      await put(`${pretty ? '  ' : ''}]`);
    } else {
      await put(json(value, 1));
    }
    await put(`${k < keys.length - 1 ? ',' : ''}${nl}`);
  }
  await put(`}${nl}`);
  out.end(buffer);
  await finished(out);
}

async function main(): Promise<number> {
  let cli: Cli;
  let tenant: TenantFile;
  try {
    cli = parseCli(process.argv.slice(2));
    tenant = generateTenant(cli.options);
  } catch (err) {
    if (err instanceof ArgError) return usageError(err.message);
    if (err instanceof GenerateOptionError) return usageError(`${FLAG_OF[err.option]}: ${err.message}`);
    throw err;
  }
  const result = validateTenantFile(tenant);
  if (!result.ok) {
    process.stderr.write(`tenant:generate: the generated tenant is invalid (a generator bug):\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return 1;
  }
  await writeTenant(cli.out, tenant, cli.pretty);
  const personas = Object.entries(countPersonas(tenant))
    .map(([p, c]) => `${p}=${c}`)
    .join(' ');
  process.stdout.write(
    `tenant:generate: wrote ${cli.out} (${tenant.users.length} users, ${tenant.groups.length} groups, seed ${cli.options.seed}); personas: ${personas}\n`,
  );
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`tenant:generate: ${message}\n${USAGE}\n`);
  return 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tenant:generate: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
