/**
 * Every action the product takes or records, in one vocabulary: the audit trail's actions, the
 * refusal wording and the kinds of work kept while a sign-in completes all derive from it.
 */
export type ActionName = 'block' | 'unblock' | 'undo' | 'status' | 'history' | 'export' | 'bulk-block' | 'approval-request' | 'approval-decision' | 'contain' | 'follow-up';

/** What the audit trail records. */
export type AuditAction = Exclude<ActionName, 'history' | 'export'>;

/** Actions a refusal card can be about. */
export type RefusedAction = Extract<ActionName, 'block' | 'unblock' | 'undo' | 'status' | 'bulk-block' | 'history' | 'contain'>;

/** Kinds of work that wait in the store for the analyst's sign-in. */
export type WorkKind = Extract<ActionName, 'block' | 'unblock' | 'status' | 'history' | 'export' | 'bulk-block' | 'contain'>;
