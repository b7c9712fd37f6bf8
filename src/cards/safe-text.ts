/** Longest name shown (requester, decider, requestor, signer, UPN). */
export const NAME_MAX = 120;
/** Longest comment, reason, error message or Defender field shown. */
export const TEXT_MAX = 1000;
/** Longest raw input line (a bulk list line, a word that did not parse) shown. */
export const LINE_MAX = 200;

/** How much of a text a card shows. */
export interface ShownOptions {
  /** Longest text shown, in characters (code points); longer text ends in "…". Defaults to TEXT_MAX. */
  readonly max?: number;
}

// Format characters (Unicode Cf: bidi overrides and isolates, LRM/RLM, ALM U+061C, zero-width joiners,
// interlinear annotation U+FFF9–FFFB, tags...) and C0/C1 controls except the line feed.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const INVISIBLE = /[\p{Cf}\u0000-\u0009\u000b-\u001f\u007f-\u009f]/gu;
// `(` and `)` stay as they are: with `[` and `]` escaped no link can form, and names such as
// "Ana (ana@contoso.example)" stay as typed. `#` only makes a heading at the start of a line.
const INLINE_MARKDOWN = /[\\`*_[\]~<>]/g;
const LINE_START_MARKERS = /^(\s*)(?:([-+#])|(\d+)\.)/gm;

/** Drops what a reader cannot see but a renderer obeys, and caps the length. */
function visible(text: string, max: number): string {
  const clean = String(text)
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(INVISIBLE, '');
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : clean;
}

/** Defangs URLs the way SOC tooling does (hxxps://evil[.]com) and breaks up the renderer's `{{DATE()}}` functions. */
function defanged(text: string): string {
  return text
    .replace(/\b(h)(ttps?)(:\/\/)/gi, (_m, h: string, rest: string, sep: string) => `${h}${rest.replace(/t/gi, (t) => (t === 't' ? 'x' : 'X'))}${sep}`)
    .replace(/\b(f)(tp)(:\/\/)/gi, (_m, f: string, _tp: string, sep: string) => `${f}xp${sep}`)
    .replace(/(:\/\/|\bwww)([^\s/]*)/gi, (_m, lead: string, host: string) => `${lead}${host.replace(/\./g, '[.]')}`)
    .replace(/\{\{/g, '{\u200b{');
}

/**
 * User or upstream text for a TextRun (plain text): format and control characters dropped,
 * URLs defanged, capped at `max` characters.
 */
export function shownInRun(text: string, options: ShownOptions = {}): string {
  return defanged(visible(text, options.max ?? TEXT_MAX));
}

/**
 * User or upstream text for a TextBlock or a FactSet value (both render Markdown): like shownInRun,
 * and Markdown is escaped so it shows literally.
 */
export function shown(text: string, options: ShownOptions = {}): string {
  return shownInRun(text, options)
    .replace(INLINE_MARKDOWN, (c) => `\\${c}`)
    .replace(LINE_START_MARKERS, (_m, space: string, sign: string | undefined, digits: string | undefined) => (sign ? `${space}\\${sign}` : `${space}${digits}\\.`));
}

/** A name (requester, decider, requestor, signer, account) for a TextBlock or FactSet. */
export function shownName(text: string): string {
  return shown(text, { max: NAME_MAX });
}

/** @deprecated Use shownInRun. */
export const inertText = (text: string): string => shownInRun(text);

/** @deprecated Use shown. */
export const markdownSafe = (text: string): string => shown(text);
