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
    description: request.comment,
    application: APPLICATION,
    generateAlert: action === 'Audit',
    ...(request.options?.expiresAt ? { expirationTime: request.options.expiresAt } : {}),
    ...(request.options?.severity ? { severity: request.options.severity } : {}),
    ...(groups.length > 0 ? { rbacGroupNames: [...groups] } : {}),
  };
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
