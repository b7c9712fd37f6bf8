import { HASH_NAMES, type HashType } from '../domain/file-hash';
import type { FileStatus } from '../domain/file-status';
import { ROLE_NAMES } from '../domain/roles';
import { shown } from './safe-text';

/** A FactSet line. */
export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** A fact only when there is a value; values go through the safe path (capped at `max`). */
export function optionalFact(label: string, value: string | number | undefined, format: (v: string) => string = (v) => v, max?: number): Fact[] {
  return value === undefined || value === '' ? [] : [{ label, value: shown(format(String(value)), { max }) }];
}

/** `2017-12-04T13:06:23.4502191Z` → `2017-12-04 13:06:23 UTC`; anything unparsable as given. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** SHA-1, SHA-256, MD5, or the type as given. */
export function hashTypeName(type: string): string {
  return HASH_NAMES[type as HashType] ?? type;
}

/** A directory role's display name, or its id. */
export function roleName(id: string): string {
  return ROLE_NAMES[id] ?? id;
}

/** Which API answered, in words. */
export function apiName(source: FileStatus['source']): string {
  return { files: 'Files API', indicators: 'Indicators API', simulator: 'Simulator (local mode)' }[source];
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Said under every block result: what happens next on devices. */
export const ENFORCEMENT =
  'Defender sends the block to every onboarded device; enforcement usually takes 15 minutes to 2 hours. File indicators cover PE files, and Microsoft-signed files cannot be blocked.';

/** Said under every simulated result. */
export const SIMULATED = 'Local mode: this answer comes from the built-in Defender simulator. No real device was affected.';
