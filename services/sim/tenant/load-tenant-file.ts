import { readFileSync } from 'node:fs';
import { TENANT_FILE_VERSION, type TenantFile } from './model.js';

/** Reads a tenant file (JSON) and checks its version; schema validation happens elsewhere. */
export function loadTenantFile(path: string): TenantFile {
  const raw = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`tenant file ${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const version = (parsed as { version?: unknown } | null)?.version;
  if (version !== TENANT_FILE_VERSION) {
    throw new Error(`tenant file ${path} has version ${JSON.stringify(version)}; this simulator reads version ${TENANT_FILE_VERSION}`);
  }
  return parsed as TenantFile;
}
