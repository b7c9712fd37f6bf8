import type { FileHash } from '../domain/file-hash';
import { HASH_NAMES } from '../domain/file-hash';
import type { AuditEntry } from '../domain/ports';
import { formatUtc, hashTypeName } from './card-text';
import { renderCard, type Reply } from './render';
import { shown, shownInRun, shownName } from './safe-text';

const TITLES: Record<AuditEntry['action'], string> = {
  block: 'Block',
  unblock: 'Unblock',
  undo: 'Undo',
  status: 'Lookup',
  'bulk-block': 'Bulk block',
  'approval-request': 'Approval requested',
  'approval-decision': 'Approval decided',
  contain: 'Stop & quarantine',
  'follow-up': 'Follow-up',
};

const OUTCOMES: Record<AuditEntry['outcome'], { word: string; color: string }> = {
  done: { word: 'done', color: 'Good' },
  denied: { word: 'denied', color: 'Attention' },
  failed: { word: 'failed', color: 'Attention' },
  'not-found': { word: 'nothing to do', color: 'Default' },
  cancelled: { word: 'cancelled', color: 'Default' },
  requested: { word: 'requested', color: 'Default' },
  unknown: { word: 'outcome unknown (may be done)', color: 'Warning' },
};

/** Actions whose detail says what was done (which device), so it is shown for every outcome. */
const DETAILED: ReadonlySet<AuditEntry['action']> = new Set(['contain', 'follow-up']);

/** Longest comment shown per entry, so fifteen entries stay far under Teams' 40 KB. */
const COMMENT_SHOWN = 200;

/** The recent audit trail (newest first), for the tenant or one hash. */
export function historyReply(entries: readonly AuditEntry[], hash?: FileHash): Reply {
  const headline = hash ? `History of this ${HASH_NAMES[hash.type]}` : 'Recent actions';
  const card = renderCard('history', {
    headline,
    subtitle: hash ? hash.value : `The last ${entries.length} recorded actions in your organization.`,
    entries: entries.map((e) => {
      const outcome = OUTCOMES[e.outcome];
      return {
        title: `${TITLES[e.action]}${e.count ? ` of ${e.count} files` : ''}: ${outcome.word}`,
        color: outcome.color,
        meta: `${formatUtc(e.at)} · ${shownName(e.actor.name)}${e.hashType ? ` · ${hashTypeName(e.hashType)}` : ''}${e.detail && (e.outcome !== 'done' || DETAILED.has(e.action)) ? ` · ${shown(e.detail)}` : ''}`,
        hash: hash ? '' : shown(e.hash ?? ''),
        comment: shownInRun(e.comment ?? '', { max: COMMENT_SHOWN }),
      };
    }),
  });
  return { card, summary: `${headline}: ${entries.length} entries` };
}
