const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/**
 * Turns a Teams message (HTML from channels, plain text elsewhere) into plain text:
 * keeps other people's `<at>` mentions as `@Name`, drops tags, keeps line breaks, decodes entities,
 * trims each line. The bot's own mention is removed before, from the activity's entities.
 *
 * Linear in the length of the message: each step is a forward scan that never revisits what it has
 * passed (tag expressions with backtracking took seconds on a long run of unclosed `<`). The steps run
 * in the order the earlier expressions did, so their output is the same: mentions, `<br>`, closing
 * block tags, other tags, entities, then line endings, invisible characters and spaces.
 */
export function normalizeMessageText(raw: string): string {
  const text = [mentions, lineBreaks, blockEnds, otherTags, entities]
    .reduce((current, step) => step(current), raw)
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0|\u200b|\u200c|\u200d|\ufeff/g, (c) => (c === '\u00a0' ? ' ' : ''));
  return text
    .split('\n')
    .map((line) => line.replace(/ [ \t]+|\t[ \t]*/g, ' ').trim()) // runs of spaces and tabs → one space
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * What a step makes of the `<` at `at`: the end of what it replaces and the replacement, `undefined`
 * when nothing starts there, or `'none'` when nothing can start there or anywhere after.
 */
type TagMatch = { readonly end: number; readonly text: string } | undefined | 'none';

/**
 * Replaces, left to right and without overlap, what `match` finds at each `<` (followed by `next`, a
 * lower-case ASCII character in either case, when given). Every tag ends with `>`, so no `<` after the
 * last `>` is tried.
 */
function rewriteTags(s: string, match: (s: string, at: number) => TagMatch, next?: string): string {
  const last = s.lastIndexOf('>');
  const nextCode = next?.charCodeAt(0);
  let out = '';
  let from = 0;
  for (let at = 0; at < last; at++) {
    if (s.charCodeAt(at) !== LT || (nextCode !== undefined && (s.charCodeAt(at + 1) | 0x20) !== nextCode)) continue;
    const found = match(s, at);
    if (found === 'none') break;
    if (!found) continue;
    out += s.slice(from, at) + found.text;
    from = found.end;
    at = found.end - 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** `<at …>Name</at>` → `@Name`: the first `>` ends the opening tag, the first `</at>` after it the mention. */
function mentions(s: string): string {
  return rewriteTags(
    s,
    (text, at) => {
      if (!startsWithAscii(text, at, '<at')) return undefined;
      const open = text.indexOf('>', at + 3);
      if (open === -1) return 'none';
      const close = indexOfAscii(text, '</at>', open + 1);
      if (close === -1) return 'none';
      return { end: close + 5, text: `@${text.slice(open + 1, close)}` };
    },
    'a',
  );
}

/** `<br>`, `<br/>`, `<br />` → a line break. */
function lineBreaks(s: string): string {
  return rewriteTags(
    s,
    (text, at) => {
      if (!startsWithAscii(text, at, '<br')) return undefined;
      let end = skipSpaces(text, at + 3);
      if (text[end] === '/' && text[end + 1] === '>') end++;
      return text[end] === '>' ? { end: end + 1, text: '\n' } : undefined;
    },
    'b',
  );
}

const BLOCK_ENDS = ['</p>', '</div>', '</li>'];

/** `</p>`, `</div>`, `</li>` and the white space after them → one line break. */
function blockEnds(s: string): string {
  return rewriteTags(
    s,
    (text, at) => {
      const name = BLOCK_ENDS.find((tag) => startsWithAscii(text, at, tag));
      return name ? { end: skipSpaces(text, at + name.length), text: '\n' } : undefined;
    },
    '/',
  );
}

/** Any other `<…>` with something inside → nothing; a `<` without a later `>` stays. */
function otherTags(s: string): string {
  return rewriteTags(s, (text, at) => {
    const close = text.indexOf('>', at + 1);
    if (close === -1) return 'none';
    return close > at + 1 ? { end: close + 1, text: '' } : undefined;
  });
}

/** `&name;`, `&#123;`, `&#x7b;` → the character; unknown names and invalid code points stay as written. */
function entities(s: string): string {
  let out = '';
  let from = 0;
  for (let at = s.indexOf('&'); at !== -1; at = s.indexOf('&', at + 1)) {
    const end = entityEnd(s, at);
    if (end === -1) continue;
    out += s.slice(from, at) + decodeEntity(s.slice(at, end + 1), s.slice(at + 1, end));
    from = end + 1;
    at = end;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** The index of the `;` that ends an entity starting at `at`, or -1. */
function entityEnd(s: string, at: number): number {
  const numeric = s[at + 1] === '#';
  const hex = numeric && (s[at + 2] === 'x' || s[at + 2] === 'X');
  const first = !numeric ? at + 1 : hex ? at + 3 : at + 2;
  const end = skip(s, first, !numeric ? isAsciiLetter : hex ? isHexDigit : isDigit);
  return end > first && s[end] === ';' ? end : -1;
}

function decodeEntity(whole: string, body: string): string {
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  }
  return ENTITIES[body.toLowerCase()] ?? whole;
}

const LT = 0x3c;
const SPACE = /\s/;

function skipSpaces(s: string, from: number): number {
  return skip(s, from, (c) => SPACE.test(c));
}

function skip(s: string, from: number, keep: (c: string) => boolean): number {
  let at = from;
  while (at < s.length && keep(s[at])) at++;
  return at;
}

function isAsciiLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isHexDigit(c: string): boolean {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/** Whether `s` has `lower` (lower-case ASCII) at `at`, ignoring the case of ASCII letters only. */
function startsWithAscii(s: string, at: number, lower: string): boolean {
  if (at + lower.length > s.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = s.charCodeAt(at + i);
    const folded = c >= 65 && c <= 90 ? c + 32 : c;
    if (folded !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The first index at or after `from` where `lower` (a tag, so starting with `<`) starts, ignoring ASCII case; -1 if none. */
function indexOfAscii(s: string, lower: string, from: number): number {
  for (let at = s.indexOf('<', from); at !== -1; at = s.indexOf('<', at + 1)) {
    if (startsWithAscii(s, at, lower)) return at;
  }
  return -1;
}
