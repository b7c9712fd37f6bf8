import { HASH_NAMES, type FileHash, type HashType } from '../domain/file-hash';
import type { DefenderSource } from '../domain/file-status';
import { DefenderError } from '../errors';

/** Throws DefenderError('invalidHash') before any call when the API cannot act on this hash type. */
export function requireHashType(hash: FileHash, supported: readonly HashType[], api: DefenderSource): void {
  if (supported.includes(hash.type)) return;
  const names = supported.map((t) => HASH_NAMES[t]).join(', ');
  throw new DefenderError('invalidHash', `The ${api} API accepts ${names} only; ${hash.value} is a ${HASH_NAMES[hash.type]} hash.`);
}
