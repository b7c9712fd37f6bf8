import type { ParseResultOf } from './command';
import { blockOf, readHash } from './command-checks';
import { optionsFromFields } from './parse-options';

/** What the block form sends back, one text field each. */
export interface BlockFields {
  readonly hash?: string;
  readonly comment?: string;
  readonly action?: string;
  readonly expires?: string;
  readonly severity?: string;
  readonly groups?: string;
}

/** Reads the block form with the text grammar's own checks: a block, or the error `block ‹hash› ‹options› ‹comment›` would give. */
export function parseBlockFields(values: BlockFields): ParseResultOf<'block'> {
  const hash = readHash('block', values.hash?.trim() || undefined);
  if (!hash.ok) return hash;
  const options = optionsFromFields(values);
  return blockOf(hash.hash, 'reason' in options ? options : { options, rest: values.comment ?? '' });
}
