import { expiry, findRequest, keptFor, normalized, saveDecision, approvalKey, type ApprovalDeps, type ApprovalRequest } from './approval-record';
import type { OpenEntry } from './approval-index';
import { StoreKey, StorePrefix } from './store-keys';

/**
 * Marks requests past their time that still wait (pending, or failed and not retried) as expired;
 * returns those this call expired (each once, across instances). Reads only the open-approval
 * index up to now, never every request: an entry is dropped once its request is settled or gone;
 * one whose approved action is still running stays for the next sweep.
 */
export async function expireDue(deps: ApprovalDeps): Promise<ApprovalRequest[]> {
  const now = deps.now();
  const expired: ApprovalRequest[] = [];
  const due = await deps.store.list<OpenEntry>(StorePrefix.openApproval, { before: StoreKey.openApprovalDue(now.getTime() + 1) });
  for (const entry of due) {
    const stored = await findRequest(deps.store, entry.value.id);
    const request = stored?.value;
    if (request?.status === 'approving') continue;
    if (stored && (request?.status === 'pending' || request?.status === 'failed')) {
      if (Date.parse(stored.value.expiresAt) > now.getTime()) continue;
      const written = await saveDecision(deps, stored, expiry(stored.value, now));
      if (!written) continue;
      expired.push(written.value);
    }
    await deps.store.delete(entry.key, { ifMatch: entry.etag });
  }
  return expired;
}

/** Marks that requests stored before the open-approval index and retention existed were brought up to date. */
const LEGACY_MIGRATION_KEY = `${StorePrefix.migration}approval-index-v1`;

/**
 * Once per store (whichever instance gets there first): gives requests stored before this version
 * their retention and, when they may still expire, their open-approval index entry. Lists every
 * request, once; afterwards a marker makes it a single read. Returns how many requests it updated.
 */
export async function indexLegacyRequests(deps: ApprovalDeps): Promise<number> {
  if (await deps.store.get(LEGACY_MIGRATION_KEY)) return 0;
  const indexed = new Set((await deps.store.list<OpenEntry>(StorePrefix.openApproval)).map((entry) => entry.value.id));
  let updated = 0;
  for (const entry of await deps.store.list<ApprovalRequest>(StorePrefix.approval)) {
    const request = normalized(entry.value);
    const ttlMs = keptFor(deps, request);
    if (!indexed.has(request.id) && ['pending', 'approving', 'failed'].includes(request.status)) {
      const open: OpenEntry = { id: request.id, tenantId: request.tenantId, requester: request.requester, undoId: request.undo?.undoId };
      await deps.store.put<OpenEntry>(StoreKey.openApproval(Date.parse(request.expiresAt), request.id), open, { ttlMs });
    }
    if ((await deps.store.put(approvalKey(request.id), entry.value, { ifMatch: entry.etag, ttlMs })).ok) updated++;
  }
  await deps.store.put(LEGACY_MIGRATION_KEY, { at: deps.now().toISOString(), updated });
  return updated;
}
