/** The verbs of every card button; templates read them from the card data (`verbs`), routing switches on them. */
export const CardVerb = {
  OpenForm: 'block.form.open',
  SubmitForm: 'block.form.submit',
  Confirm: 'block.confirm',
  Cancel: 'block.cancel',
  Undo: 'block.undo',
  UnblockConfirm: 'unblock.confirm',
  UnblockCancel: 'unblock.cancel',
  BulkConfirm: 'bulk.confirm',
  BulkCancel: 'bulk.cancel',
  PastedConfirm: 'bulk.pasted.confirm',
  PastedCancel: 'bulk.pasted.cancel',
  RequestApproval: 'approval.request',
  Approve: 'approval.approve',
  Reject: 'approval.reject',
  Retry: 'approval.retry',
  CancelRequest: 'approval.cancel',
  ApprovalRefresh: 'approval.refresh',
  HistoryMore: 'history.more',
  ContainConfirm: 'contain.confirm',
  ContainCancel: 'contain.cancel',
  ContainOffer: 'contain.offer',
} as const;

/** One of CardVerb's values. */
export type CardVerbName = (typeof CardVerb)[keyof typeof CardVerb];

/** Recognises a verb sent back by a card. */
export function isCardVerb(value: unknown): value is CardVerbName {
  return typeof value === 'string' && (Object.values(CardVerb) as string[]).includes(value);
}
