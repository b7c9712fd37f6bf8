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
 */
export function normalizeMessageText(raw: string): string {
  const text = raw
    .replace(/<at[^>]*>([\s\S]*?)<\/at>/gi, '@$1')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li)>\s*/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, decodeEntity)
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0|\u200b|\u200c|\u200d|\ufeff/g, (c) => (c === '\u00a0' ? ' ' : ''));
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntity(whole: string, body: string): string {
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  }
  return ENTITIES[body.toLowerCase()] ?? whole;
}
