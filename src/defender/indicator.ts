import { z } from 'zod';
import { DefenderError } from '../errors';
import type { FileStatus } from '../domain/file-status';
import { commentOf } from './indicator-body';

const text = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === '' ? undefined : s.trim()));

/** An indicator as the Indicators API returns it; unknown fields are tolerated. */
const IndicatorSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    indicatorValue: z.string().transform((s) => s.trim().toLowerCase()),
    indicatorType: z.string(),
    action: z.string(),
    title: text,
    description: text,
    application: text,
    createdBy: text,
    createdByDisplayName: text,
    creationTimeDateTimeUtc: text,
    lastUpdateTime: text,
    lastUpdatedBy: text,
    expirationTime: text,
  })
  .passthrough();

/** Parsed indicator. */
export type Indicator = z.infer<typeof IndicatorSchema>;

const BLOCKING_ACTIONS = new Set(['block', 'blockandremediate', 'alertandblock']);

/** Whether an indicator action stops the file (Block, BlockAndRemediate, AlertAndBlock). */
export function isBlockingAction(action: string): boolean {
  return BLOCKING_ACTIONS.has(action.toLowerCase());
}
const FILE_TYPES = new Set(['filesha1', 'filesha256', 'filemd5']);

/** Reads an indicator answer; a malformed one is an `unexpected` failure. */
export function parseIndicator(body: unknown): Indicator {
  const parsed = IndicatorSchema.safeParse(body);
  if (!parsed.success) {
    throw new DefenderError('unexpected', 'Defender answered with an indicator the bot could not read.', {}, { cause: parsed.error });
  }
  return parsed.data;
}

/** Whether this is a file-hash indicator for `value` still in force at `now` (expired ones are not). */
export function isCurrentFileIndicator(indicator: Indicator, value: string, now: Date): boolean {
  if (!FILE_TYPES.has(indicator.indicatorType.toLowerCase()) || indicator.indicatorValue !== value.toLowerCase()) return false;
  const expires = indicator.expirationTime === undefined ? NaN : Date.parse(indicator.expirationTime);
  return Number.isNaN(expires) || expires > now.getTime();
}

/** Newest first, by last update (or creation). */
export function newestFirst(indicators: readonly Indicator[]): Indicator[] {
  const time = (i: Indicator) => Date.parse(i.lastUpdateTime ?? i.creationTimeDateTimeUtc ?? '') || 0;
  return [...indicators].sort((a, b) => time(b) - time(a));
}

/** Summarises an indicator in the legacy files API's FileAction terms. */
export function indicatorToFileStatus(indicator: Indicator): FileStatus {
  return {
    fileIdentifier: indicator.indicatorValue,
    fileIdentifierType: indicator.indicatorType.replace(/^File/, ''),
    actionType: indicator.action,
    fileStatus: isBlockingAction(indicator.action) ? 'Blocked' : indicator.action,
    creationDateTimeUtc: indicator.creationTimeDateTimeUtc,
    requestor: describeRequestor(indicator.createdByDisplayName, indicator.createdBy),
    requestorComment: commentOf(indicator.description),
    lastUpdateDateTimeUtc: indicator.lastUpdateTime ?? indicator.creationTimeDateTimeUtc,
    confirmed: true,
    source: 'indicators',
    indicatorId: indicator.id,
    expirationTime: indicator.expirationTime,
  };
}

/** "Display name (account)", or whichever of the two is known. */
export function describeRequestor(displayName: string | undefined, account: string | undefined): string | undefined {
  if (displayName && account && displayName.toLowerCase() !== account.toLowerCase()) return `${displayName} (${account})`;
  return account ?? displayName;
}
