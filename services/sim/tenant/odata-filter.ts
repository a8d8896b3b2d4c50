import { badRequest, GraphError } from './graph-http.js';

/**
 * A small OData `$filter` parser and compiler. Each endpoint declares which properties and
 * operators it supports (as the Graph reference documents them); anything else is answered with
 * 400, because real Graph refuses unsupported filters instead of ignoring them.
 */

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'has';

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'cmp'; op: CmpOp; left: Expr; right: Expr }
  | { kind: 'in'; left: Expr; values: Expr[] }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'lambda'; path: string; op: 'any' | 'all'; variable: string; body: Expr }
  | { kind: 'prop'; path: string }
  | { kind: 'lit'; value: string | number | boolean | null; type: 'string' | 'number' | 'bool' | 'null' | 'datetime' };

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'dt'; v: string }
  | { t: 'id'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' | ':' };

const KEYWORDS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has', 'in', 'and', 'or', 'not']);

export function invalidFilter(detail: string): GraphError {
  return badRequest(`Invalid filter clause: ${detail}`, 'BadRequest');
}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw invalidFilter('unterminated string literal.');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    const rest = src.slice(i);
    const dt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/.exec(rest);
    if (dt) {
      out.push({ t: 'dt', v: dt[0] });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?(?![\w-])/.exec(rest);
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$@][\w.$@/]*/.exec(rest);
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw invalidFilter(`unexpected character '${c}' at position ${i}.`);
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Expr {
    const e = this.or();
    if (this.pos < this.tokens.length) throw invalidFilter(`unexpected token at position ${this.pos}.`);
    return e;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private isKw(kw: string): boolean {
    const t = this.peek();
    return t?.t === 'id' && t.v.toLowerCase() === kw;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t?.t === 'punct' && t.v === p;
  }
  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw invalidFilter(`expected '${p}'.`);
    this.pos++;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKw('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isKw('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }
  private not(): Expr {
    if (this.isKw('not')) {
      this.pos++;
      return { kind: 'not', expr: this.not() };
    }
    return this.cmp();
  }
  private cmp(): Expr {
    const left = this.primary();
    const t = this.peek();
    if (t?.t === 'id') {
      const op = t.v.toLowerCase();
      if (op === 'in') {
        this.pos++;
        this.expectPunct('(');
        const values: Expr[] = [];
        if (!this.isPunct(')')) {
          values.push(this.primary());
          while (this.isPunct(',')) {
            this.pos++;
            values.push(this.primary());
          }
        }
        this.expectPunct(')');
        return { kind: 'in', left, values };
      }
      if (['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has'].includes(op)) {
        this.pos++;
        return { kind: 'cmp', op: op as CmpOp, left, right: this.primary() };
      }
    }
    return left;
  }
  private primary(): Expr {
    const t = this.peek();
    if (!t) throw invalidFilter('unexpected end of expression.');
    this.pos++;
    if (t.t === 'punct') {
      if (t.v !== '(') throw invalidFilter(`unexpected '${t.v}'.`);
      const e = this.or();
      this.expectPunct(')');
      return e;
    }
    if (t.t === 'str') return { kind: 'lit', value: t.v, type: 'string' };
    if (t.t === 'num') return { kind: 'lit', value: t.v, type: 'number' };
    if (t.t === 'dt') return { kind: 'lit', value: t.v, type: 'datetime' };
    const word = t.v;
    const lower = word.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'lit', value: lower === 'true', type: 'bool' };
    if (lower === 'null') return { kind: 'lit', value: null, type: 'null' };
    if (KEYWORDS.has(lower)) throw invalidFilter(`unexpected keyword '${word}'.`);
    const lambda = /^(.*)\/(any|all)$/i.exec(word);
    if (lambda && this.isPunct('(')) {
      this.pos++;
      const v = this.peek();
      if (v?.t !== 'id') throw invalidFilter('lambda variable expected.');
      this.pos++;
      this.expectPunct(':');
      const body = this.or();
      this.expectPunct(')');
      return { kind: 'lambda', path: lambda[1]!, op: lambda[2]!.toLowerCase() as 'any' | 'all', variable: v.v, body };
    }
    if (this.isPunct('(')) {
      this.pos++;
      const args: Expr[] = [];
      if (!this.isPunct(')')) {
        args.push(this.or());
        while (this.isPunct(',')) {
          this.pos++;
          args.push(this.or());
        }
      }
      this.expectPunct(')');
      return { kind: 'call', name: word, args };
    }
    return { kind: 'prop', path: word };
  }
}

export function parseFilter(src: string): Expr {
  if (!src.trim()) throw invalidFilter('empty expression.');
  return new Parser(lex(src)).parse();
}

// ---- compiling against a declared schema -------------------------------------------------------

export type FilterOp = CmpOp | 'startsWith' | 'endsWith' | 'in';
export type Predicate<T> = (o: T) => boolean;

export interface PropSpec<T> {
  ops: FilterOp[];
  get: (o: T) => unknown;
  type: 'string' | 'bool' | 'datetime' | 'number' | 'enum';
  /** Enum members accepted as literals (when type is enum). */
  values?: string[];
  /** String comparisons ignore case (Graph does for names, UPNs, mail). */
  ci?: boolean;
}

export interface LambdaSpec<T> {
  items: (o: T) => unknown[];
  /** `x eq 'v'` on the element itself. */
  self?: PropSpec<unknown>;
  /** `x/prop eq 'v'` on element properties. */
  props?: Record<string, PropSpec<unknown>>;
}

export interface FilterSchema<T> {
  resource: string;
  props: Record<string, PropSpec<T>>;
  lambdas?: Record<string, LambdaSpec<T>>;
  allowOr?: boolean;
  allowNot?: boolean;
}

function unsupported(resource: string, what: string): GraphError {
  return badRequest(`Unsupported or invalid query filter clause specified for ${what} of resource '${resource}'.`, 'Request_UnsupportedQuery');
}

function litValue(e: Expr, spec: PropSpec<unknown>, resource: string, prop: string): unknown {
  if (e.kind !== 'lit') throw unsupported(resource, `property '${prop}'`);
  switch (spec.type) {
    case 'bool':
      if (e.type !== 'bool') throw badRequest(`A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.${e.type === 'string' ? 'String' : 'Unknown'}' for the operator kind 'Equal'.`);
      return e.value;
    case 'datetime': {
      if (e.type !== 'datetime') throw badRequest(`Invalid DateTimeOffset literal for property '${prop}'.`);
      const ms = Date.parse(String(e.value));
      if (Number.isNaN(ms)) throw badRequest(`Invalid DateTimeOffset literal for property '${prop}'.`);
      return ms;
    }
    case 'number':
      if (e.type !== 'number') throw unsupported(resource, `property '${prop}'`);
      return e.value;
    case 'enum':
      if (e.type !== 'string') throw unsupported(resource, `property '${prop}'`);
      if (spec.values && !spec.values.includes(String(e.value))) {
        throw badRequest(`The string '${String(e.value)}' is not a valid enumeration type constant.`);
      }
      return e.value;
    default:
      if (e.type === 'null') return null;
      if (e.type !== 'string') throw unsupported(resource, `property '${prop}'`);
      return e.value;
  }
}

function compare(op: CmpOp, actual: unknown, expected: unknown, spec: PropSpec<unknown>): boolean {
  let a = actual;
  let b = expected;
  if (spec.type === 'datetime') a = typeof actual === 'string' ? Date.parse(actual) : actual;
  if (spec.ci && typeof a === 'string' && typeof b === 'string') {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return (a as number) > (b as number);
    case 'ge':
      return (a as number) >= (b as number);
    case 'lt':
      return (a as number) < (b as number);
    case 'le':
      return (a as number) <= (b as number);
    case 'has':
      return typeof a === 'string' && typeof b === 'string' && a.split(',').map((x) => x.trim()).includes(b);
    default:
      return false;
  }
}

function compileOn(
  e: Expr,
  resource: string,
  resolve: (path: string) => PropSpec<unknown> | undefined,
  lambdas: Record<string, LambdaSpec<unknown>> | undefined,
  flags: { allowOr: boolean; allowNot: boolean },
): Predicate<unknown> {
  const rec = (x: Expr) => compileOn(x, resource, resolve, lambdas, flags);
  switch (e.kind) {
    case 'and': {
      const l = rec(e.left);
      const r = rec(e.right);
      return (o) => l(o) && r(o);
    }
    case 'or': {
      if (!flags.allowOr) throw unsupported(resource, "the 'or' operator");
      const l = rec(e.left);
      const r = rec(e.right);
      return (o) => l(o) || r(o);
    }
    case 'not': {
      if (!flags.allowNot) throw unsupported(resource, "the 'not' operator");
      const inner = rec(e.expr);
      return (o) => !inner(o);
    }
    case 'cmp': {
      if (e.left.kind !== 'prop') throw unsupported(resource, 'a comparison whose left side is not a property');
      const path = e.left.path;
      const spec = resolve(path);
      if (!spec || !spec.ops.includes(e.op)) throw unsupported(resource, `property '${path}' with operator '${e.op}'`);
      const expected = litValue(e.right, spec, resource, path);
      return (o) => compare(e.op, spec.get(o), expected, spec);
    }
    case 'in': {
      if (e.left.kind !== 'prop') throw unsupported(resource, "an 'in' whose left side is not a property");
      const path = e.left.path;
      const spec = resolve(path);
      if (!spec || !spec.ops.includes('in')) throw unsupported(resource, `property '${path}' with operator 'in'`);
      const values = e.values.map((v) => litValue(v, spec, resource, path));
      const set = new Set(values.map((v) => (spec.ci && typeof v === 'string' ? v.toLowerCase() : v)));
      return (o) => {
        const a = spec.get(o);
        return set.has(spec.ci && typeof a === 'string' ? a.toLowerCase() : a);
      };
    }
    case 'call': {
      const name = e.name.toLowerCase();
      if (name !== 'startswith' && name !== 'endswith') throw unsupported(resource, `function '${e.name}'`);
      const [p, v] = e.args;
      if (e.args.length !== 2 || p?.kind !== 'prop' || v?.kind !== 'lit' || v.type !== 'string') {
        throw badRequest(`Invalid arguments for function '${e.name}'.`);
      }
      const spec = resolve(p.path);
      const op: FilterOp = name === 'startswith' ? 'startsWith' : 'endsWith';
      if (!spec || !spec.ops.includes(op)) throw unsupported(resource, `property '${p.path}' with function '${e.name}'`);
      const needle = String(v.value).toLowerCase();
      return (o) => {
        const a = spec.get(o);
        if (typeof a !== 'string') return false;
        const hay = a.toLowerCase();
        return op === 'startsWith' ? hay.startsWith(needle) : hay.endsWith(needle);
      };
    }
    case 'lambda': {
      const lam = lambdas?.[e.path];
      if (!lam) throw unsupported(resource, `property '${e.path}'`);
      const variable = e.variable;
      const inner = compileOn(
        e.body,
        resource,
        (path) => {
          if (path === variable) return lam.self ? { ...lam.self, get: (x: unknown) => x } : undefined;
          if (path.startsWith(`${variable}/`)) {
            const sub = lam.props?.[path.slice(variable.length + 1)];
            return sub;
          }
          return undefined;
        },
        undefined,
        flags,
      );
      return (o) => {
        const items = lam.items(o);
        return e.op === 'any' ? items.some((it) => inner(it)) : items.every((it) => inner(it));
      };
    }
    case 'prop': {
      const spec = resolve(e.path);
      if (spec?.type === 'bool' && spec.ops.includes('eq')) return (o) => spec.get(o) === true;
      throw unsupported(resource, `property '${e.path}' used as a boolean`);
    }
    case 'lit':
      throw unsupported(resource, 'a bare literal');
  }
}

export function compileFilter<T>(expr: Expr, schema: FilterSchema<T>): Predicate<T> {
  const props = schema.props as Record<string, PropSpec<unknown>>;
  const lower = new Map(Object.entries(props).map(([k, v]) => [k.toLowerCase(), v]));
  return compileOn(
    expr,
    schema.resource,
    (path) => props[path] ?? lower.get(path.toLowerCase()),
    schema.lambdas as Record<string, LambdaSpec<unknown>> | undefined,
    { allowOr: schema.allowOr ?? false, allowNot: schema.allowNot ?? false },
  ) as Predicate<T>;
}

/** The terms of a top-level conjunction (`a and b and c` → [a, b, c]). */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** The terms of a top-level disjunction. */
export function disjuncts(e: Expr): Expr[] {
  return e.kind === 'or' ? [...disjuncts(e.left), ...disjuncts(e.right)] : [e];
}
