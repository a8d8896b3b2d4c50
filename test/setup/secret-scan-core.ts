import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A secret found in a captured log line. Never carries the secret itself, only a masked hint. */
export interface Leak {
  file: string;
  line: number;
  kind: string;
  hint: string;
}

export interface KnownSecret {
  kind: string;
  value: string;
}

/** Shapes that are secrets whoever issued them. */
export const GENERIC_PATTERNS: { kind: string; re: RegExp }[] = [
  { kind: 'JWT', re: /eyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}/ },
  { kind: 'Bearer credential', re: /Bearer\s+(?!\[redacted\])[A-Za-z0-9\-._~+/]{6,}=*/i },
];

export function mask(value: string): string {
  return `${value.slice(0, 3)}…(${value.length} chars)`;
}

/** Every known secret or generic secret shape in `text` (one entry per line and kind). */
export function findLeaks(file: string, text: string, secrets: readonly KnownSecret[]): Leak[] {
  const known = [...new Map(secrets.filter((s) => s.value.length >= 6).map((s) => [s.value, s])).values()];
  const escaped = known.map((s) => s.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const anyKnown = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : null;
  const byValue = new Map(known.map((s) => [s.value, s.kind]));
  const leaks: Leak[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (anyKnown) {
      anyKnown.lastIndex = 0;
      const seen = new Set<string>();
      for (const m of line.matchAll(anyKnown)) {
        const kind = byValue.get(m[0]) ?? 'secret';
        if (seen.has(kind)) continue;
        seen.add(kind);
        leaks.push({ file, line: i + 1, kind, hint: mask(m[0]) });
      }
    }
    for (const p of GENERIC_PATTERNS) {
      const m = p.re.exec(line);
      if (m) leaks.push({ file, line: i + 1, kind: p.kind, hint: mask(m[0]) });
    }
  }
  return leaks;
}

export interface ScanResult {
  logFiles: number;
  logBytes: number;
  logLines: number;
  secretFiles: number;
  secrets: KnownSecret[];
  leaks: Leak[];
}

/** Scans every `*.ndjson` log capture in `dir` for the secrets listed in its `*.secrets.ndjson` files (all of them, across files). */
export function scanLogDir(dir: string, extra: readonly KnownSecret[] = []): ScanResult {
  const result: ScanResult = { logFiles: 0, logBytes: 0, logLines: 0, secretFiles: 0, secrets: [...extra], leaks: [] };
  if (!existsSync(dir)) return result;
  const names = readdirSync(dir).sort();
  for (const name of names.filter((n) => n.endsWith('.secrets.ndjson'))) {
    result.secretFiles++;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) if (line.trim() !== '') result.secrets.push(JSON.parse(line) as KnownSecret);
  }
  for (const name of names.filter((n) => n.endsWith('.ndjson') && !n.endsWith('.secrets.ndjson'))) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const text = readFileSync(path, 'utf8');
    result.logFiles++;
    result.logBytes += Buffer.byteLength(text);
    result.logLines += text.split('\n').filter((l) => l !== '').length;
    result.leaks.push(...findLeaks(name, text, result.secrets));
  }
  return result;
}

export function describeLeaks(leaks: readonly Leak[], max = 20): string {
  const shown = leaks.slice(0, max).map((l) => `  ${l.file}:${l.line}: ${l.kind} ${l.hint}`);
  return [`${leaks.length} secret(s) found in the captured test logs:`, ...shown, ...(leaks.length > max ? [`  … and ${leaks.length - max} more`] : [])].join('\n');
}
