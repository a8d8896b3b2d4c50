/**
 * A structural reader for the Bicep files of this repository, for tests (there is no Bicep compiler
 * offline). It knows the shape of declarations (`param`, `var`, `resource`, `output`), strings with
 * `${…}` interpolation, comments and bracket nesting — enough to check references, API versions,
 * parameters and app settings. It is not a Bicep compiler: it does not type-check property names or
 * values against the resource providers' schemas.
 */

export interface BicepParam {
  name: string;
  type: string;
  defaultExpr: string | null;
  decorators: string[];
}

export interface BicepResource {
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  /** The object literal's text (from `{` to its matching `}`). */
  body: string;
}

export interface BicepFile {
  source: string;
  /** Comments removed, strings intact. */
  noComments: string;
  /** Comments removed and string contents blanked, except the code inside `${…}`. */
  codeOnly: string;
  params: BicepParam[];
  vars: Map<string, string>;
  resources: BicepResource[];
  outputs: Map<string, { type: string; expr: string }>;
}

/** Scans `src`, calling `onChar(i, kind)` for every character: code, string, interpolation or comment. */
function scan(src: string, onChar: (i: number, kind: 'code' | 'string' | 'comment') => void): void {
  const stack: ('code' | 'string' | 'interp')[] = ['code'];
  let interpDepth: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const top = stack[stack.length - 1]!;
    const ch = src[i]!;
    if (top === 'string') {
      if (ch === '\\') {
        onChar(i, 'string');
        if (i + 1 < src.length) onChar(++i, 'string');
        continue;
      }
      if (ch === '$' && src[i + 1] === '{') {
        onChar(i, 'string');
        onChar(++i, 'string');
        stack.push('interp');
        interpDepth.push(0);
        continue;
      }
      if (ch === "'") {
        stack.pop();
        onChar(i, 'code');
        continue;
      }
      onChar(i, 'string');
      continue;
    }
    // code or interpolation
    if (ch === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') onChar(i++, 'comment');
      if (i < src.length) onChar(i, 'code');
      continue;
    }
    if (ch === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (; i < stop; i++) onChar(i, 'comment');
      i--;
      continue;
    }
    if (ch === "'") {
      if (src.startsWith("'''", i)) throw new Error('multi-line strings are not supported by bicep-lite');
      stack.push('string');
      onChar(i, 'code');
      continue;
    }
    if (top === 'interp') {
      if (ch === '{') interpDepth[interpDepth.length - 1]!++;
      if (ch === '}') {
        if (interpDepth[interpDepth.length - 1] === 0) {
          stack.pop();
          interpDepth.pop();
          onChar(i, 'string');
          continue;
        }
        interpDepth[interpDepth.length - 1]!--;
      }
    }
    onChar(i, 'code');
  }
  if (stack.length !== 1) throw new Error('unterminated string or interpolation');
  interpDepth = [];
}

export function stripComments(src: string): string {
  let out = '';
  scan(src, (i, kind) => {
    out += kind === 'comment' ? (src[i] === '\n' ? '\n' : ' ') : src[i];
  });
  return out;
}

export function codeOnly(src: string): string {
  let out = '';
  scan(src, (i, kind) => {
    const ch = src[i]!;
    out += kind === 'code' ? ch : ch === '\n' ? '\n' : ' ';
  });
  return out;
}

/** Problems with (), [] and {} nesting in code (strings and comments ignored). */
export function bracketProblems(code: string): string[] {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: { ch: string; line: number }[] = [];
  const problems: string[] = [];
  let line = 1;
  for (const ch of code) {
    if (ch === '\n') line++;
    if (ch === '(' || ch === '[' || ch === '{') stack.push({ ch, line });
    else if (ch in pairs) {
      const open = stack.pop();
      if (!open || open.ch !== pairs[ch]) problems.push(`unbalanced "${ch}" on line ${line}`);
    }
  }
  for (const open of stack) problems.push(`"${open.ch}" opened on line ${open.line} is never closed`);
  return problems;
}

/** From the `{` at `start` to its matching `}` in `text` (code positions from `code`). */
function matchingBrace(code: string, start: number): number {
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    if (code[i] === '{' || code[i] === '[') depth++;
    else if (code[i] === '}' || code[i] === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`no matching brace for the one at ${start}`);
}

export function parseBicep(source: string): BicepFile {
  const noComments = stripComments(source);
  const code = codeOnly(source);
  const params: BicepParam[] = [];
  const vars = new Map<string, string>();
  const resources: BicepResource[] = [];
  const outputs = new Map<string, { type: string; expr: string }>();

  const lines = noComments.split('\n');
  let offset = 0;
  let decorators: string[] = [];
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    const trimmed = line.trim();
    const lineStart = offset;
    offset += line.length + 1;
    if (trimmed === '') continue;
    if (trimmed.startsWith('@')) {
      // A decorator may span lines (@allowed([ … ])): take the balanced text.
      const start = lineStart + line.indexOf('@');
      let end = start;
      let depth = 0;
      for (let i = start; i < code.length; i++) {
        const ch = code[i]!;
        if (ch === '(' || ch === '[') depth++;
        if (ch === ')' || ch === ']') depth--;
        if (depth === 0 && (ch === ')' || ch === '\n')) {
          end = i + 1;
          break;
        }
      }
      decorators.push(noComments.slice(start, end).trim());
      while (offset < end) offset += lines[++li]!.length + 1;
      continue;
    }
    let m = /^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+))?$/.exec(trimmed);
    if (m) {
      params.push({ name: m[1]!, type: m[2]!, defaultExpr: m[3]?.trim() ?? null, decorators });
      decorators = [];
      continue;
    }
    m = /^var\s+(\w+)\s*=\s*(.*)$/.exec(trimmed);
    if (m) {
      const exprStart = lineStart + line.indexOf('=') + 1;
      let expr = m[2]!;
      if (expr.startsWith('{') || expr.startsWith('[')) {
        const open = noComments.indexOf(expr[0]!, exprStart);
        const close = matchingBrace(code, open);
        expr = noComments.slice(open, close + 1);
        while (offset <= close) offset += lines[++li]!.length + 1;
      }
      vars.set(m[1]!, expr.trim());
      decorators = [];
      continue;
    }
    m = /^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing\s*)?=\s*(.*)$/.exec(trimmed);
    if (m) {
      const open = noComments.indexOf('{', lineStart + line.indexOf('='));
      const close = matchingBrace(code, open);
      resources.push({ symbol: m[1]!, type: m[2]!, apiVersion: m[3]!, existing: Boolean(m[4]), body: noComments.slice(open, close + 1) });
      while (offset <= close) offset += lines[++li]!.length + 1;
      decorators = [];
      continue;
    }
    m = /^output\s+(\w+)\s+(\w+)\s*=\s*(.+)$/.exec(trimmed);
    if (m) {
      outputs.set(m[1]!, { type: m[2]!, expr: m[3]!.trim() });
      decorators = [];
      continue;
    }
    if (/^targetScope\s*=/.test(trimmed)) continue;
    throw new Error(`bicep-lite cannot read line ${li + 1}: ${trimmed}`);
  }
  return { source, noComments, codeOnly: code, params, vars, resources, outputs };
}

/** The `key: value` entries of a one-level object literal's text (values as written). */
export function objectEntries(objectText: string): Map<string, string> {
  const inner = objectText.trim().replace(/^\{/, '').replace(/\}$/, '');
  const out = new Map<string, string>();
  const code = codeOnly(inner);
  let depth = 0;
  let start = 0;
  const flush = (end: number) => {
    const entry = inner.slice(start, end).trim();
    start = end + 1;
    if (entry === '') return;
    const m = /^('?)([\w$.-]+)\1\s*:\s*([\s\S]+)$/.exec(entry);
    if (!m) throw new Error(`not a key: value entry: ${entry}`);
    out.set(m[2]!, m[3]!.trim());
  };
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!;
    if ('{[('.includes(ch)) depth++;
    else if ('}])'.includes(ch)) depth--;
    else if (ch === '\n' && depth === 0) flush(i);
  }
  flush(inner.length);
  return out;
}

/** Identifiers used as the head of `x.y` member access in code (not after a dot, not keys). */
export function memberAccessHeads(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of code.matchAll(/(?<![\w.$'])([A-Za-z_]\w*)\.[A-Za-z_]/g)) out.add(m[1]!);
  return out;
}

/** Whole-word uses of `name` in code, excluding its own declaration line. */
export function usesOf(code: string, name: string): number {
  const decl = new RegExp(`^\\s*(param|var|resource|output)\\s+${name}\\b`, 'gm');
  const withoutDecl = code.replace(decl, '');
  return [...withoutDecl.matchAll(new RegExp(`(?<![\\w.])${name}(?!\\w)(?!\\s*:)`, 'g'))].length;
}

/**
 * Evaluates the small expression language the app settings use: string literals with `${…}`,
 * identifiers and member paths looked up in `values`. Anything else throws.
 */
export function evaluate(expr: string, values: Record<string, string>): string {
  const e = expr.trim();
  if (e.startsWith("'")) {
    if (!e.endsWith("'")) throw new Error(`cannot evaluate ${e}`);
    let out = '';
    const body = e.slice(1, -1);
    for (let i = 0; i < body.length; i++) {
      if (body[i] === '\\') {
        out += body[++i];
        continue;
      }
      if (body[i] === '$' && body[i + 1] === '{') {
        let depth = 0;
        let j = i + 2;
        for (; j < body.length; j++) {
          if (body[j] === '{') depth++;
          if (body[j] === '}') {
            if (depth === 0) break;
            depth--;
          }
        }
        out += evaluate(body.slice(i + 2, j), values);
        i = j;
        continue;
      }
      out += body[i];
    }
    return out;
  }
  if (/^[A-Za-z_][\w.]*$/.test(e)) {
    if (!(e in values)) throw new Error(`no test value for ${e}`);
    return values[e]!;
  }
  const call = /^uriComponent\((.+)\)$/.exec(e);
  if (call) return encodeURIComponent(evaluate(call[1]!, values));
  throw new Error(`bicep-lite cannot evaluate ${e}`);
}
