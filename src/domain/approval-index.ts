import type { ApprovalRequest, Person } from './approval-record';
import type { Store } from './ports';
import { StoreKey, StorePrefix } from './store-keys';

/** What the open-approval index holds for one request: enough to pick requests without reading the others. */
export interface OpenEntry {
  readonly id: string;
  readonly tenantId?: string;
  readonly requester?: Person;
  /** For an undo request: the Undo record it is for. */
  readonly undoId?: string;
}

/**
 * Requests not yet past their expiry (and not yet swept) that `pick` chooses by their index entry,
 * read from the store: a per-person or per-Undo question reads only those, never every request.
 * Requests stored before the index existed are not in it.
 */
export async function openRequests(store: Store, pick: (entry: OpenEntry) => boolean): Promise<ApprovalRequest[]> {
  const picked = (await store.list<OpenEntry>(StorePrefix.openApproval)).filter((entry) => pick(entry.value));
  const found = await Promise.all(picked.map((entry) => store.get<ApprovalRequest>(StoreKey.approval(entry.value.id))));
  return found.flatMap((stored) => (stored ? [stored.value] : []));
}
