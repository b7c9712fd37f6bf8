/** Every key prefix the bot writes to its Store, in one place so that none can collide. */
export const StorePrefix = {
  approval: 'approval/',
  /** Index of requests that may still expire, by due time: `open/approval/<13-digit ms>/<id>`. */
  openApproval: 'open/approval/',
  undo: 'undo/',
  confirmation: 'confirm/',
  unblockConfirmation: 'unblock-confirm/',
  draft: 'draft/',
  bulkReview: 'bulk/',
  pastedReview: 'pasted/',
  export: 'export/',
  pending: 'pending/',
  approvers: 'approvers/',
  activity: 'activity:',
  botState: 'botstate/',
  fairUse: 'fair-use/',
  bulkJob: 'bulkjob/',
  containJob: 'contain/',
  containDraft: 'contain-draft/',
  containOffer: 'contain-offer/',
  followUp: 'follow-up/',
  /** One marker per one-off data migration that has run. */
  migration: 'migration/',
} as const;

/** The store key of each kind of record. */
export const StoreKey = {
  approval: (id: string) => `${StorePrefix.approval}${id}`,
  /** The index entry of a request due at `dueMs`; keys sort by due time, so a listing up to `openApprovalDue(now)` holds only due ones. */
  openApproval: (dueMs: number, id: string) => `${dueBound(dueMs)}/${id}`,
  /** Every index key of a request due before `dueMs` sorts before this one. */
  openApprovalDue: (dueMs: number) => dueBound(dueMs),
  undo: (id: string) => `${StorePrefix.undo}${id}`,
  confirmation: (id: string) => `${StorePrefix.confirmation}${id}`,
  unblockConfirmation: (id: string) => `${StorePrefix.unblockConfirmation}${id}`,
  draft: (id: string) => `${StorePrefix.draft}${id}`,
  bulkReview: (id: string) => `${StorePrefix.bulkReview}${id}`,
  pastedReview: (id: string) => `${StorePrefix.pastedReview}${id}`,
  export: (id: string) => `${StorePrefix.export}${id}`,
  /** One wait per person and conversation; a channel thread's `;messageid=` suffix is ignored. */
  pending: (conversationId: string | undefined, userId: string | undefined) => `${StorePrefix.pending}${(conversationId ?? '').split(';')[0]}|${userId ?? ''}`,
  containJob: (id: string) => `${StorePrefix.containJob}${id}`,
  containDraft: (id: string) => `${StorePrefix.containDraft}${id}`,
  containOffer: (id: string) => `${StorePrefix.containOffer}${id}`,
  /** Due time first, so that the keys sort by when each follow-up is due. */
  followUp: (dueAt: string, id: string) => `${StorePrefix.followUp}${dueAt}|${id}`,
  approvers: (tenantId: string | undefined) => `${StorePrefix.approvers}${tenantId ?? 'none'}`,
  activity: (channelId: string | undefined, conversationId: string | undefined, activityId: string) => `${StorePrefix.activity}${channelId}:${conversationId}:${activityId}`,
  /** One token bucket per user and kind (commands, card presses). */
  fairUse: (kind: string, userKey: string) => `${StorePrefix.fairUse}${kind}/${userKey}`,
  /** A running bulk job, under its owner (so that one owner's jobs list by prefix). */
  bulkJob: (owner: string, id: string) => `${StorePrefix.bulkJob}${owner}/${id}`,
} as const;

/** A due time as 13 digits of epoch ms (good until the year 2286), so keys sort by it. */
function dueBound(dueMs: number): string {
  return `${StorePrefix.openApproval}${String(Math.max(0, Math.trunc(dueMs))).padStart(13, '0')}`;
}
