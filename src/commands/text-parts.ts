/** Removes quotes and trailing punctuation people put around a pasted hash. */
export function stripQuotes(token: string): string {
  return token.replace(/^[`'"“”‘’]+|[`'"“”‘’,;:.]+$/g, '');
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
