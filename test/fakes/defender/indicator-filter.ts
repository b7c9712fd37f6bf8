import type { Indicator } from './types';

/** Properties the indicators API lets `$filter` compare. */
const FILTERABLE = [
  'application',
  'createdByDisplayName',
  'expirationTime',
  'generateAlert',
  'title',
  'indicatorValue',
  'indicatorType',
  'creationTimeDateTimeUtc',
  'createdBy',
  'action',
  'severity',
];
const DATE_FIELDS = ['expirationTime', 'creationTimeDateTimeUtc'];

type Token = { t: 'str' | 'word' | 'lp' | 'rp'; v: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c === '(' ? 'lp' : 'rp', v: c });
      i += 1;
    } else if (c === "'") {
      let v = '';
      i += 1;
      for (;;) {
        if (i >= filter.length) throw new Error('Unterminated string literal in $filter.');
        if (filter[i] === "'" && filter[i + 1] === "'") {
          v += "'";
          i += 2;
        } else if (filter[i] === "'") {
          i += 1;
          break;
        } else {
          v += filter[i];
          i += 1;
        }
      }
      tokens.push({ t: 'str', v });
    } else {
      const m = /^[^\s()']+/.exec(filter.slice(i));
      if (!m) throw new Error(`Unexpected character '${c}' in $filter.`);
      tokens.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Compiles an OData `$filter` (eq ne gt ge lt le, in, and, or, parentheses) into a predicate; throws on bad syntax. */
export function parseFilter(filter: string): (i: Indicator) => boolean {
  const tokens = tokenize(filter);
  let pos = 0;
  const peekWord = (w: string): boolean => tokens[pos]?.t === 'word' && tokens[pos].v === w;
  const parseOr = (): ((i: Indicator) => boolean) => {
    let left = parseAnd();
    while (peekWord('or')) {
      pos += 1;
      const l = left;
      const r = parseAnd();
      left = (i) => l(i) || r(i);
    }
    return left;
  };
  const parseAnd = (): ((i: Indicator) => boolean) => {
    let left = parseTerm();
    while (peekWord('and')) {
      pos += 1;
      const l = left;
      const r = parseTerm();
      left = (i) => l(i) && r(i);
    }
    return left;
  };
  const parseTerm = (): ((i: Indicator) => boolean) => {
    const first = tokens[pos];
    if (first?.t === 'lp') {
      pos += 1;
      const inner = parseOr();
      if (tokens[pos]?.t !== 'rp') throw new Error("Expected ')' in $filter.");
      pos += 1;
      return inner;
    }
    if (tokens[pos]?.t === 'word' && tokens[pos + 1]?.t === 'word' && tokens[pos + 1].v === 'in') return parseIn();
    const [field, op, literal] = [tokens[pos], tokens[pos + 1], tokens[pos + 2]];
    if (field?.t !== 'word' || op?.t !== 'word' || !literal || (literal.t !== 'str' && literal.t !== 'word')) {
      throw new Error(`Syntax error at position ${pos} in $filter '${filter}'.`);
    }
    if (!FILTERABLE.includes(field.v)) throw new Error(`Property '${field.v}' is not filterable.`);
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op.v)) throw new Error(`Operator '${op.v}' is not supported.`);
    pos += 3;
    const expected = literalValue(literal);
    const compare = comparator(op.v);
    return (i) => {
      const actual = (i as unknown as Record<string, unknown>)[field.v];
      if (DATE_FIELDS.includes(field.v) && typeof actual === 'string' && typeof expected === 'string') {
        return compare(Date.parse(actual), Date.parse(expected));
      }
      return compare(actual, expected);
    };
  };
  /** OData 4.01 `field in ('a','b',...)`: a parenthesized, comma-separated list of literals. */
  const parseIn = (): ((i: Indicator) => boolean) => {
    const field = tokens[pos].v;
    if (!FILTERABLE.includes(field)) throw new Error(`Property '${field}' is not filterable.`);
    pos += 2;
    if (tokens[pos]?.t !== 'lp') throw new Error("Expected '(' after 'in' in $filter.");
    pos += 1;
    const values: unknown[] = [];
    for (;;) {
      const literal = tokens[pos];
      if (!literal || (literal.t !== 'str' && literal.t !== 'word') || literal.v === ',') throw new Error(`Expected a literal in the 'in' list at position ${pos}.`);
      values.push(literalValue(literal));
      pos += 1;
      if (tokens[pos]?.t === 'word' && tokens[pos].v === ',') {
        pos += 1;
        continue;
      }
      if (tokens[pos]?.t !== 'rp') throw new Error("Expected ',' or ')' in the 'in' list.");
      pos += 1;
      break;
    }
    return (i) => values.includes((i as unknown as Record<string, unknown>)[field]);
  };
  const predicate = parseOr();
  if (pos !== tokens.length) throw new Error(`Unexpected '${tokens[pos].v}' in $filter.`);
  return predicate;
}

function literalValue(token: Token): unknown {
  if (token.t === 'str') return token.v;
  if (token.v === 'true' || token.v === 'false') return token.v === 'true';
  if (token.v === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token.v)) return Number(token.v);
  if (!Number.isNaN(Date.parse(token.v)) && /^\d{4}-\d{2}-\d{2}/.test(token.v)) return token.v;
  throw new Error(`Invalid literal '${token.v}' in $filter.`);
}

function comparator(op: string): (a: unknown, b: unknown) => boolean {
  switch (op) {
    case 'eq':
      return (a, b) => a === b;
    case 'ne':
      return (a, b) => a !== b;
    case 'gt':
      return (a, b) => a !== null && b !== null && (a as number) > (b as number);
    case 'ge':
      return (a, b) => a !== null && b !== null && (a as number) >= (b as number);
    case 'lt':
      return (a, b) => a !== null && b !== null && (a as number) < (b as number);
    default:
      return (a, b) => a !== null && b !== null && (a as number) <= (b as number);
  }
}
