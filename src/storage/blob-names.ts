/** Azure's limit on a blob name's length. */
const MAX_BLOB_NAME = 1024;

/**
 * `key` as one blob-name segment: encodeURIComponent, then '.' as %2E, so '/', '.' and '..' never
 * form path segments that URLs would collapse. Reversible, and prefix-preserving: `encodeKey(p)` is
 * a prefix of `encodeKey(k)` exactly when `k` starts with `p`. Throws URIError on lone surrogates.
 */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll('.', '%2E');
}

/** The key `encodeKey` turned into `encoded`. */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded);
}

/** The blob holding `key` under `namespace` (e.g. 'kv/'); throws RangeError past Azure's 1,024 characters. */
export function blobName(namespace: string, key: string): string {
  const name = namespace + encodeKey(key);
  if (name.length > MAX_BLOB_NAME) throw new RangeError(`Key too long for a blob name (${name.length} > ${MAX_BLOB_NAME} characters encoded)`);
  return name;
}

/** Orders keys by code point (UTF-8 byte order), as SQLite's BINARY collation does. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
