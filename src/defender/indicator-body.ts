import type { IndicatorAction } from '../domain/block-options';
import type { HashType } from '../domain/file-hash';
import type { BlockFileRequest } from '../domain/ports';

/** The Indicators API's `indicatorType` for each hash type. */
export const INDICATOR_TYPES: Readonly<Record<HashType, string>> = { Sha1: 'FileSha1', Sha256: 'FileSha256', Md5: 'FileMd5' };

/** The application name Defender shows on indicators the bot creates. */
export const APPLICATION = 'Defender Block Bot';

/**
 * Longest title sent. The reference gives no limit for `title`; 100 keeps it whole in the portal's
 * indicator list, where the title is the column a SOC reads.
 */
const TITLE_MAX = 100;

/** The `POST /indicators` body (also one item of an import) for a block request and its options. */
export function indicatorBody(request: BlockFileRequest): Record<string, unknown> {
  const action = request.options?.action ?? 'Block';
  const groups = request.options?.deviceGroups ?? [];
  return {
    indicatorValue: request.hash.value,
    indicatorType: INDICATOR_TYPES[request.hash.type],
    action,
    title: indicatorTitle(action, request.comment),
    description: indicatorDescription(request),
    application: APPLICATION,
    generateAlert: action === 'Audit',
    ...(request.options?.expiresAt ? { expirationTime: request.options.expiresAt } : {}),
    ...(request.options?.severity ? { severity: request.options.severity } : {}),
    ...(groups.length > 0 ? { rbacGroupNames: [...groups] } : {}),
  };
}

/** Starts the part of a description the bot adds after the analyst's comment. */
const TRAILER = '\n\n-- Sent from Microsoft Teams (Defender Block Bot). ';

/**
 * The analyst's whole comment, then who asked, who approved (a four-eyes block) and that it came
 * from Teams, so the indicator explains itself in the portal. `commentOf` reads the comment back.
 */
export function indicatorDescription(request: BlockFileRequest): string {
  const asked = request.requestedBy ?? request.caller;
  const approved = request.requestedBy ? ` Approved by ${person(request.caller)}.` : '';
  return `${request.comment.trim()}${TRAILER}Requested by ${person(asked)}.${approved}`;
}

/** The analyst's comment in a description the bot wrote (descriptions written before the trailer, or by others, are the comment). */
export function commentOf(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  const at = description.lastIndexOf(TRAILER.trim());
  return at < 0 ? description : description.slice(0, at).trimEnd() || undefined;
}

function person(who: { readonly name: string; readonly upn?: string }): string {
  const name = who.name.replace(/\s+/g, ' ').trim() || 'someone';
  return who.upn && who.upn.toLowerCase() !== name.toLowerCase() ? `${name} (${who.upn})` : name;
}

/**
 * `Blocked from Teams: ‹comment›`, on one line and cut to TITLE_MAX: the list of indicators then says
 * why each file is blocked, and the prefix says the bot made it (see isBotIndicator).
 */
export function indicatorTitle(action: IndicatorAction, comment: string): string {
  return truncate(`${pastTense(action)} from Teams: ${comment.replace(/\s+/g, ' ').trim()}`, TITLE_MAX);
}

/** The titles the bot writes: `… from Teams: ‹comment›`, and `… from Teams by ‹name›` on indicators made before. */
const BOT_TITLE = /^(Blocked|Blocked and remediated|Audited|Warned|Allowed) from Teams(: | by )/;

/** Whether the bot created this indicator: its application, or (where Defender dropped that) the title the bot writes. */
export function isBotIndicator(indicator: { readonly application?: string; readonly title?: string }): boolean {
  if (indicator.application !== undefined) return indicator.application === APPLICATION;
  return indicator.title !== undefined && BOT_TITLE.test(indicator.title);
}

function pastTense(action: IndicatorAction): string {
  switch (action) {
    case 'Block':
      return 'Blocked';
    case 'BlockAndRemediate':
      return 'Blocked and remediated';
    case 'Audit':
      return 'Audited';
    case 'Warn':
      return 'Warned';
    case 'Allowed':
      return 'Allowed';
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
