import { READING_ROLES, refusalFrom, refuseUnlessHolds } from './access';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import type { Refusal } from './outcomes';
import type { AuditEntry, AuditLog, Delegation, RoleDirectory } from './ports';

/** Entries `history` reads (newest first); its card shows a few at a time with a More button. */
export const HISTORY_LIMIT = 60;

/** The audit trail as the caller may see it: their tenant only, readers and admins only. */
export type HistoryOutcome = { readonly kind: 'entries'; readonly entries: readonly AuditEntry[] } | Refusal;

/** Recent entries, optionally for one hash (newest first), or all of them for an export (oldest first). */
export async function readHistory(
  deps: { readonly roles: RoleDirectory; readonly audit: AuditLog },
  caller: Caller,
  delegation: Delegation,
  query: { readonly hash?: FileHash; readonly export?: boolean },
): Promise<HistoryOutcome> {
  try {
    const refused = await refuseUnlessHolds(deps.roles, caller, delegation, READING_ROLES);
    if (refused) return refused;
    const entries = query.export
      ? await deps.audit.all({ tenantId: caller.tenantId })
      : await deps.audit.recent({ tenantId: caller.tenantId, hash: query.hash?.value, limit: HISTORY_LIMIT });
    return { kind: 'entries', entries };
  } catch (error) {
    return refusalFrom(error);
  }
}
