const QUOTES = '`\'"“”‘’';

/** Removes quotes and trailing punctuation people put around a pasted hash. */
export function stripQuotes(token: string): string {
  return trimChars(token, QUOTES, `${QUOTES},;:.`);
}

/** Removes the leading characters found in `leading` and the trailing ones found in `trailing`, in linear time (an end-anchored `[…]+$` regex is quadratic on a long run that does not reach the end). */
export function trimChars(text: string, leading: string, trailing: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && leading.includes(text[start])) start++;
  while (end > start && trailing.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/** Removes backticks and straight quotes around a cell of a pasted or attached list. */
export function stripCellQuotes(cell: string): string {
  return trimChars(cell, '`\'"', '`\'"');
}

/** The first whitespace-separated token of `text`, if any. */
export function firstToken(text: string): string | undefined {
  return /^\s*(\S+)/.exec(text)?.[1];
}

/** The rest of the first line and the lines below it, as one text. */
export function joinLines(firstLineRest: string, more: string): string {
  return more ? `${firstLineRest}\n${more}` : firstLineRest;
}

/** `text` cut to `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
