import type { BlockFields } from '../commands/parse-block-fields';
import { INDICATOR_ACTIONS, SEVERITIES, type BlockOptions } from '../domain/block-options';
import type { FileHash } from '../domain/file-hash';
import { MAX_COMMENT_LENGTH } from '../commands/limits';
import { CardVerb } from './card-verbs';
import { renderCard, type Reply } from './render';

/** The values a form shows (what the analyst typed, when it comes back with an error). */
export type FormValues = BlockFields & { readonly contain?: string };

/** The expiry choices the forms offer, in days. */
export const EXPIRY_DAYS = [7, 30, 90, 180, 365];

/** How the forms name each indicator action. */
export const ACTION_TITLES: Record<(typeof INDICATOR_ACTIONS)[number], string> = {
  Block: 'Block',
  BlockAndRemediate: 'Block and remediate',
  Audit: 'Audit only (alert, do not block)',
  Warn: 'Warn the user',
  Allowed: 'Allow',
};

/** The block form: hash and comment (validated on the card and again by the bot) and the indicator options. */
export function blockFormReply(settings: {
  readonly hashTypes: readonly string[];
  readonly supportsOptions: boolean;
  readonly defaultExpiryDays: number;
  /** Offers "also stop & quarantine where it is seen". */
  readonly canContain?: boolean;
  readonly values?: FormValues;
  readonly error?: string;
}): Reply {
  const v = settings.values ?? {};
  const sha1Only = settings.hashTypes.length === 1;
  const days = [...new Set([...EXPIRY_DAYS, settings.defaultExpiryDays].filter((d) => d > 0))].sort((a, b) => a - b);
  const card = renderCard('block-form', {
    error: settings.error ?? '',
    hashLabel: sha1Only ? "The file's SHA-1" : "The file's hash (SHA-1, SHA-256 or MD5)",
    hashPattern: sha1Only ? '^\\s*[0-9a-fA-F]{40}\\s*$' : '^\\s*([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})\\s*$',
    hashError: sha1Only ? 'Enter a SHA-1: 40 hexadecimal characters.' : 'Enter a SHA-1 (40), SHA-256 (64) or MD5 (32) in hexadecimal.',
    hash: v.hash ?? '',
    comment: v.comment ?? '',
    maxComment: MAX_COMMENT_LENGTH,
    optionsNote: settings.supportsOptions ? '' : 'This bot uses the files API, which has no options: the choices below are not applied.',
    action: v.action ?? 'Block',
    actions: INDICATOR_ACTIONS.map((value) => ({ title: ACTION_TITLES[value], value })),
    expires: v.expires ?? (settings.defaultExpiryDays > 0 ? `${settings.defaultExpiryDays}d` : 'never'),
    expiries: [...days.map((d) => ({ title: `In ${d} days`, value: `${d}d` })), { title: 'Never', value: 'never' }],
    severity: v.severity ?? '',
    severities: SEVERITIES.map((value) => ({ title: value, value })),
    groups: v.groups ?? '',
    canContain: !!settings.canContain,
    contain: v.contain === 'true' ? 'true' : 'false',
    verbs: CardVerb,
  });
  return { card, summary: 'Block a file: fill in the hash and a comment.' };
}

/** The form fields of a block as it was asked, so Retry and the pre-filled form send the same block again. */
export function blockFieldsOf(request: { readonly hash: FileHash; readonly comment: string; readonly options?: BlockOptions }): BlockFields {
  const o = request.options;
  return {
    hash: request.hash.value,
    comment: request.comment,
    action: o?.action ?? 'Block',
    expires: o ? (o.expiresAt ? o.expiresAt.slice(0, 10) : 'never') : '',
    severity: o?.severity ?? '',
    groups: o?.deviceGroups?.join(', ') ?? '',
  };
}
