import { HASH_NAMES, type HashType } from '../domain/file-hash';
import type { FileStatus } from '../domain/file-status';
import { ROLE_NAMES } from '../domain/roles';
import { shown } from './safe-text';

/** A FactSet line. */
export interface Fact {
  readonly label: string;
  readonly value: string;
  /** Set when the value is a time (formatted with formatUtc): shown in the viewer's time zone where the card allows. */
  readonly at?: string;
}

/** A fact only when there is a value; values go through the safe path (capped at `max`). */
export function optionalFact(label: string, value: string | number | undefined, format: (v: string) => string = (v) => v, max?: number): Fact[] {
  if (value === undefined || value === '') return [];
  const at = format === formatUtc && !Number.isNaN(Date.parse(String(value))) ? { at: String(value) } : {};
  return [{ label, value: shown(format(String(value)), { max }), ...at }];
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

/** A labelled value too long for a FactSet line (a hash, an id, a UPN, a sentence): a label above a wrapping TextBlock. */
export interface Field {
  readonly label: string;
  readonly value: string;
  readonly font: 'Monospace' | 'Default';
}

/** Longest word a FactSet value may hold: longer ones (hashes, UPNs, ids) cannot wrap there and push the card wider than the phone. */
export const FACT_WORD_MAX = 20;
/** Longest FactSet value: beside a label at 320 px the value column holds about this much before it wraps. */
const FACT_VALUE_MAX = 20;

/**
 * Splits facts into short FactSet lines and fields shown under their label: long values, unbreakable ones
 * (monospace when they are one word, like an id) and times (in the viewer's time zone).
 */
export function factsAndFields(all: readonly Fact[]): { facts: Fact[]; fields: Field[] } {
  const facts: Fact[] = [];
  const fields: Field[] = [];
  for (const fact of all) {
    const words = fact.value.split(/\s+/);
    if (fact.at) fields.push({ label: fact.label, value: localTime(fact.at), font: 'Default' });
    else if (fact.value.length <= FACT_VALUE_MAX && words.every((w) => w.length <= FACT_WORD_MAX)) facts.push({ label: fact.label, value: fact.value });
    else fields.push({ label: fact.label, value: fact.value, font: words.length === 1 && !fact.value.includes('@') ? 'Monospace' : 'Default' });
  }
  return { facts, fields };
}

/** How a card's headline carries its status: a coloured container behind dark text, never coloured text alone. */
export type Tone = 'good' | 'warning' | 'attention' | 'default';

/** The container style of a tone (Teams' `good`, `warning` and `attention` styles have readable dark text). */
export function toneStyle(tone: Tone): string {
  return tone === 'default' ? 'emphasis' : tone;
}

/**
 * A time for a TextBlock, in the viewer's own time zone (`{{DATE()}}` and `{{TIME()}}` are rendered by the
 * Teams client); anything unparsable as given. FactSets and TextRuns do not render these functions: use formatUtc there.
 */
export function localTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const at = `${new Date(ms).toISOString().slice(0, 19)}Z`;
  return `{{DATE(${at}, SHORT)}} {{TIME(${at})}}`;
}

const DEFENDER_WORDS: Readonly<Record<string, string>> = {
  unblock: 'Unblock',
  unblocked: 'Unblocked',
  blockandremediate: 'Block and remediate',
  alertandblock: 'Alert and block',
  portableexecutable: 'Executable (PE)',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  md5: 'MD5',
};

/** Defender's raw values ("UnBlock", "PortableExecutable") in words; anything else as given. */
export function defenderWord(value: string): string {
  return DEFENDER_WORDS[value.toLowerCase()] ?? value;
}

/** Text with its localTime markup read back as UTC, for plain-text summaries (notifications do not render `{{DATE()}}`). */
export function withUtcTimes(text: string): string {
  return text.replace(/\{\{DATE\((\S+?), SHORT\)\}\} \{\{TIME\(\1\)\}\}/g, (_m, iso: string) => formatUtc(iso));
}
