/** The hash kinds Defender understands, named as the legacy files API's `fileIdentifierType`. */
export type HashType = 'Sha1' | 'Sha256' | 'Md5';

/** A file hash, lower-case hex. */
export interface FileHash {
  readonly value: string;
  readonly type: HashType;
}

const LENGTHS: Record<number, HashType> = { 40: 'Sha1', 64: 'Sha256', 32: 'Md5' };

/** Human names for each hash type. */
export const HASH_NAMES: Record<HashType, string> = { Sha1: 'SHA-1', Sha256: 'SHA-256', Md5: 'MD5' };

/** Recognises a hash by its length and alphabet; undefined when it is none of them. */
export function classifyHash(text: string): FileHash | undefined {
  const value = text.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(value)) return undefined;
  const type = LENGTHS[value.length];
  return type ? { value, type } : undefined;
}
