const INLINE_MARKDOWN = /[\\`*_[\]~<>]/g;
const LINE_START_MARKERS = /^(\s*)([-+#>]|\d+\.)/gm;

/**
 * Makes user or upstream text inert wherever a card shows it: URLs are defanged the way SOC
 * tooling does (hxxps://evil[.]com) so no renderer can turn them into links, the card
 * renderer's `{{DATE()}}` functions are broken up, and control characters are dropped.
 */
export function inertText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .replace(/\b(h)(ttps?)(:\/\/)/gi, (_m, h: string, rest: string, sep: string) => `${h}${rest.replace(/t/gi, (t) => (t === 't' ? 'x' : 'X'))}${sep}`)
      .replace(/\b(f)(tp)(:\/\/)/gi, (_m, f: string, _tp: string, sep: string) => `${f}xp${sep}`)
      .replace(/(:\/\/|\bwww)([^\s/]*)/gi, (_m, lead: string, host: string) => `${lead}${host.replace(/\./g, '[.]')}`)
      .replace(/\{\{/g, '{\u200b{')
  );
}

/** Like inertText, and also escapes Markdown so a TextBlock or FactSet shows it literally. */
export function markdownSafe(text: string): string {
  return inertText(text)
    .replace(INLINE_MARKDOWN, (c) => `\\${c}`)
    .replace(LINE_START_MARKERS, (_m, space: string, marker: string) => `${space}\\${marker}`);
}
