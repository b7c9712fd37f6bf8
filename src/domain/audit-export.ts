import type { AuditEntry } from './ports';

const COLUMNS: ReadonlyArray<readonly [string, (entry: AuditEntry) => string | number | undefined]> = [
  ['at', (e) => e.at],
  ['tenantId', (e) => e.tenantId],
  ['actorName', (e) => e.actor.name],
  ['actorAadObjectId', (e) => e.actor.aadObjectId],
  ['action', (e) => e.action],
  ['outcome', (e) => e.outcome],
  ['hashType', (e) => e.hashType],
  ['hash', (e) => e.hash],
  ['comment', (e) => e.comment],
  ['options', (e) => (e.options === undefined ? undefined : JSON.stringify(e.options))],
  ['api', (e) => e.api],
  ['detail', (e) => e.detail],
  ['correlationId', (e) => e.correlationId],
  ['count', (e) => e.count],
];

const CRLF = '\r\n';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** The entries as RFC 4180 CSV (header row, CRLF after every row), safe to open in a spreadsheet. */
export function auditToCsv(entries: readonly AuditEntry[]): string {
  const header = COLUMNS.map(([name]) => name).join(',');
  const rows = entries.map((entry) => COLUMNS.map(([, read]) => csvCell(read(entry))).join(','));
  return [header, ...rows].map((row) => row + CRLF).join('');
}

/** The entries as a pretty-printed JSON array. */
export function auditToJson(entries: readonly AuditEntry[]): string {
  return JSON.stringify(entries, null, 2);
}

/** One CSV field; a leading formula character gets an apostrophe so spreadsheets show text, not run it. */
function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
