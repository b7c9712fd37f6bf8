import { classifyHash, type FileHash } from '../domain/file-hash';

/** What a scan of free text found: each distinct hash once, in the order it first appears. */
export interface FoundHashes {
  readonly hashes: readonly FileHash[];
  /** More distinct hashes were in the text than `max`; only the first `max` are listed. */
  readonly more: boolean;
}

/**
 * Finds every SHA-1, SHA-256 and MD5 in plain text (already normalized: tags, mentions and entities
 * gone), distinct and in order. A hash is a run of 32, 40 or 64 hex digits with no letter or digit
 * on either side, so a longer hex run, a part of a longer hash or an id that merely contains hex
 * yields nothing; anything else around it (code fences, `hxxp://host[.]com/`, `sha256:`, quotes,
 * commas) is a boundary. One forward scan: linear in the length of the text.
 */
export function findHashes(text: string, max = Number.POSITIVE_INFINITY): FoundHashes {
  const seen = new Set<string>();
  const hashes: FileHash[] = [];
  let at = 0;
  while (at < text.length) {
    if (!isWordChar(text.charCodeAt(at))) {
      at++;
      continue;
    }
    const start = at;
    let allHex = true;
    while (at < text.length && isWordChar(text.charCodeAt(at))) {
      if (allHex && !isHexDigit(text.charCodeAt(at))) allHex = false;
      at++;
    }
    if (!allHex) continue;
    const hash = classifyHash(text.slice(start, at));
    if (!hash || seen.has(hash.value)) continue;
    if (hashes.length >= max) return { hashes, more: true };
    seen.add(hash.value);
    hashes.push(hash);
  }
  return { hashes, more: false };
}

/** ASCII letters and digits: what continues a word, so what may not touch a hash. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
