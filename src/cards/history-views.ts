import type { FileHash } from '../domain/file-hash';
import { HASH_NAMES } from '../domain/file-hash';
import type { AuditEntry } from '../domain/ports';
import { CardVerb } from './card-verbs';
import { count, defenderWord, hashTypeName, localTime } from './card-text';
import { renderCard, type Reply } from './render';
import { shown, shownInRun, shownName } from './safe-text';

const TITLES: Record<AuditEntry['action'], string> = {
  block: 'Block',
  unblock: 'Unblock',
  undo: 'Undo',
  status: 'Lookup',
  'bulk-block': 'Bulk block',
  'approval-request': 'Approval requested',
  'approval-decision': 'Approval',
  contain: 'Stop & quarantine',
  'follow-up': 'Follow-up',
};

const OUTCOMES: Record<AuditEntry['outcome'], string> = {
  done: 'done',
  denied: 'denied',
  failed: 'FAILED',
  'not-found': 'nothing to do',
  cancelled: 'cancelled',
  requested: 'requested',
  unknown: 'outcome unknown (may be done)',
};

/** Rows on one history card; "More" shows the next ones. */
export const HISTORY_PAGE_ROWS = 4;

/** Actions whose detail says what was done (which device), so it is shown for every outcome. */
const DETAILED: ReadonlySet<AuditEntry['action']> = new Set(['contain', 'follow-up']);

/** Longest comment shown per entry. */
const COMMENT_SHOWN = 120;

/** One row of the history card: an entry, or a bulk job folded into one. */
interface Row {
  readonly entry: AuditEntry;
  /** Bulk: the per-file entries folded into this row. */
  readonly items: readonly AuditEntry[];
}

const isBulkItem = (e: AuditEntry) => e.action === 'block' && /^bulk\b/.test(e.detail ?? '');

/** Folds each bulk job (its summary and the per-file entries after it, newest first) into one row. */
function rowsOf(entries: readonly AuditEntry[]): Row[] {
  const rows: { entry: AuditEntry; items: AuditEntry[] }[] = [];
  for (const e of entries) {
    const last = rows.at(-1);
    const folds = last && isBulkItem(e) && e.actor.userId === last.entry.actor.userId && (last.entry.action === 'bulk-block' || isBulkItem(last.entry));
    if (folds) last.items.push(e);
    else rows.push({ entry: e, items: [] });
  }
  return rows;
}

/** What the entry did, in words that say whether a file was blocked. */
function titleOf(row: Row): string {
  const e = row.entry;
  if (e.action === 'bulk-block' || row.items.length > 0) {
    const files = e.count ?? row.items.length + 1;
    const failed = [e, ...row.items].filter((i) => i.action === 'block' && i.outcome === 'failed').length;
    return `Bulk block of ${count(files)} files: ${OUTCOMES[e.outcome]}${failed ? `, ${count(failed)} NOT blocked` : ''}`;
  }
  if (e.action === 'approval-decision') {
    if (/^rejected/.test(e.detail ?? '')) return 'Approval rejected: NOT done';
    if (e.outcome === 'cancelled') return 'Approval request cancelled: NOT done';
  }
  if (e.action === 'block' && e.options && e.options.action !== 'Block') {
    const what = { Audit: 'Audit only, not blocked', Warn: 'Warn only, not blocked', Allowed: 'Allow', BlockAndRemediate: 'Block and remediate' }[e.options.action];
    return `${what}: ${OUTCOMES[e.outcome]}`;
  }
  return `${TITLES[e.action]}: ${OUTCOMES[e.outcome]}`;
}

/** The recent audit trail (newest first), for the tenant or one hash, a page of rows at a time. */
export function historyReply(entries: readonly AuditEntry[], hash?: FileHash, page = 0): Reply {
  const rows = rowsOf(entries);
  const pages = Math.max(1, Math.ceil(rows.length / HISTORY_PAGE_ROWS));
  const at = Math.min(Math.max(0, page), pages - 1);
  const shownRows = rows.slice(at * HISTORY_PAGE_ROWS, (at + 1) * HISTORY_PAGE_ROWS);
  const headline = hash ? `History of this ${HASH_NAMES[hash.type]}` : 'Recent actions';
  const range = rows.length === 0 ? '' : `${at * HISTORY_PAGE_ROWS + 1}–${at * HISTORY_PAGE_ROWS + shownRows.length} of ${rows.length}, newest first.`;
  const card = renderCard('history', {
    headline,
    hasHash: !!hash,
    hash: hash?.value ?? '',
    subtitle: range,
    entries: shownRows.map((row) => {
      const e = row.entry;
      const bulk = row.items.length > 0 || e.action === 'bulk-block';
      return {
        title: titleOf(row),
        meta: `${localTime(e.at)} · ${shownName(e.actor.name)}${e.hashType && !bulk ? ` · ${hashTypeName(e.hashType)}` : ''}`,
        detail: e.detail && (e.outcome !== 'done' || DETAILED.has(e.action)) && !bulk ? shown(defenderWord(e.detail)) : '',
        hash: hash || bulk ? '' : shown(e.hash ?? ''),
        comment: shownInRun(e.comment ?? '', { max: COMMENT_SHOWN }),
      };
    }),
    hasMore: at < pages - 1,
    hasNewest: at > 0,
    morePage: at + 1,
    verbs: CardVerb,
  });
  return { card, summary: `${headline}: ${rows.length} entries` };
}
