import type { BlockOutcome } from '../domain/block-file';
import type { Caller } from '../domain/caller';
import { HASH_NAMES, type FileHash, type HashType } from '../domain/file-hash';
import type { FileStatus } from '../domain/file-status';
import { ROLE_NAMES } from '../domain/roles';
import type { DefenderError, DefenderFailureReason, TokenError } from '../errors';
import { renderCard, type Reply } from './render';
import { inertText, markdownSafe } from './safe-text';

interface Fact {
  readonly label: string;
  readonly value: string;
}

const ENFORCEMENT =
  'Defender sends the block to every onboarded device; enforcement usually takes 15 minutes to 2 hours. File indicators cover PE files, and Microsoft-signed files cannot be blocked.';
const SIMULATED =
  'Local mode: this answer comes from the built-in Defender simulator. No real device was affected.';

/** The reply for any outcome of a block request. */
export function blockOutcomeReply(outcome: BlockOutcome, hash: FileHash, caller: Caller): Reply {
  switch (outcome.kind) {
    case 'blocked':
      return fileStatusReply(outcome.status);
    case 'denied':
      return deniedReply(outcome.heldRoles, outcome.neededRoles, caller);
    case 'rolesUnavailable':
      return notBlockedReply(hash, {
        reason: 'The bot could not check your directory roles, so it did not send the block (it never blocks without a verified role).',
        advice: 'Try again in a minute. If this keeps happening, ask your Teams administrator to check the bot\'s access to the directory.',
        facts: [{ label: 'Detail', value: markdownSafe(outcome.detail) }],
      });
    case 'tokenFailed':
      return tokenFailedReply(hash, outcome.error);
    case 'failed':
      return defenderFailedReply(hash, outcome.error);
  }
}

/** The file-status card: every field of the seed's FileAction that Defender returned. */
export function fileStatusReply(status: FileStatus): Reply {
  const hashType = hashTypeName(status.fileIdentifierType);
  const blocked = status.fileStatus.toLowerCase() === 'blocked';
  const headline = !blocked ? `File status: ${status.fileStatus}` : status.confirmed ? 'File blocked' : 'Block sent to Defender';
  const facts: Fact[] = [
    { label: 'Status', value: markdownSafe(status.fileStatus) },
    { label: 'Action', value: markdownSafe(status.actionType) },
    { label: 'Hash type', value: markdownSafe(hashType) },
    ...optionalFact('Requested by', status.requestor),
    ...optionalFact('Created', status.creationDateTimeUtc, formatUtc),
    ...optionalFact('Cancelled by', status.cancellationRequestor),
    ...optionalFact('Cancelled', status.cancellationDateTimeUtc, formatUtc),
    ...optionalFact('Last update', status.lastUpdateDateTimeUtc, formatUtc),
    ...optionalFact('Expires', status.expirationTime, formatUtc),
    ...optionalFact('Indicator id', status.indicatorId),
    { label: 'Via', value: apiName(status.source) },
  ];
  const note = status.confirmed
    ? ''
    : 'Defender accepted the block and sent it to devices but returned no details; the fields above come from your request.';
  const card = renderCard('file-status', {
    headline,
    headlineColor: blocked ? 'Good' : 'Default',
    hashLabel: `${hashType} of the file`,
    hash: status.fileIdentifier,
    facts,
    hasComment: !!status.requestorComment,
    comment: inertText(status.requestorComment ?? ''),
    hasCancellationComment: !!status.cancellationComment,
    cancellationComment: inertText(status.cancellationComment ?? ''),
    hasNote: note !== '',
    note,
    enforcement: status.source === 'simulator' ? SIMULATED : ENFORCEMENT,
  });
  return { card, summary: `${headline}: ${hashType} ${status.fileIdentifier}` };
}

/** Shown when the caller lacks the role: names the roles needed and held; nothing was sent. */
export function deniedReply(held: readonly string[], needed: readonly string[], caller: Caller): Reply {
  const neededNames = needed.map(roleName).join(' or ');
  const card = renderCard('denied', {
    headline: 'Not blocked: you need a directory role',
    explanation: `Blocking a file needs the ${neededNames} directory role. Nothing was sent to Defender.`,
    facts: [
      { label: 'You', value: markdownSafe(caller.name) },
      { label: 'Your roles', value: held.length ? held.map(roleName).map(markdownSafe).join(', ') : 'none that count here' },
      { label: 'Needed', value: neededNames },
    ],
    advice: 'If you hold an eligible role in Privileged Identity Management, activate it and try again; otherwise ask a Security Administrator.',
  });
  return { card, summary: `Not blocked: blocking needs the ${neededNames} role.` };
}

function defenderFailedReply(hash: FileHash, error: DefenderError): Reply {
  const { reason, advice } = explainFailure(error);
  const d = error.details;
  return notBlockedReply(hash, {
    reason,
    advice,
    upstreamMessage: d.httpStatus ? error.message : undefined,
    facts: [
      ...optionalFact('Defender code', d.upstreamCode),
      ...optionalFact('HTTP status', d.httpStatus?.toString()),
      ...optionalFact('Correlation id', d.correlationId),
      ...optionalFact('Attempts', d.attempts?.toString()),
    ],
  });
}

function tokenFailedReply(hash: FileHash, error: TokenError): Reply {
  const reasons: Record<TokenError['reason'], string> = {
    unavailable: 'The bot could not get a token to call Defender, so nothing was sent.',
    interactionRequired: 'Your sign-in needs to be renewed before the bot can act on your behalf, so nothing was sent.',
    consentRequired: 'You (or an administrator) must consent to the bot acting on your behalf, so nothing was sent.',
    invalidGrant: 'Your sign-in has expired or was revoked, so nothing was sent.',
  };
  return notBlockedReply(hash, {
    reason: reasons[error.reason],
    advice: 'Sign in again and resend the command. If it keeps failing, ask an administrator to check the bot\'s app registration.',
    facts: [],
  });
}

function notBlockedReply(
  hash: FileHash,
  parts: { reason: string; advice: string; facts: Fact[]; upstreamMessage?: string },
): Reply {
  const hashType = HASH_NAMES[hash.type];
  const card = renderCard('block-failed', {
    headline: 'File NOT blocked',
    hashLabel: `${hashType} of the file`,
    hash: hash.value,
    reason: parts.reason,
    hasUpstreamMessage: !!parts.upstreamMessage,
    upstreamMessage: inertText(parts.upstreamMessage ?? ''),
    facts: parts.facts,
    advice: parts.advice,
  });
  return { card, summary: `File NOT blocked: ${hashType} ${hash.value}. ${parts.reason}` };
}

const FAILURES: Record<DefenderFailureReason, (e: DefenderError) => { reason: string; advice: string }> = {
  rateLimited: (e) => ({
    reason: 'Defender is throttling requests (HTTP 429) and did not take the block.',
    advice:
      e.details.retryAfterSeconds !== undefined
        ? `Defender asked to wait ${e.details.retryAfterSeconds} seconds; send the command again after that.`
        : 'Wait a minute and send the command again.',
  }),
  unavailable: (e) => ({
    reason: `Defender had a server error${attemptsText(e)} and did not confirm the block.`,
    advice: 'Treat the file as not blocked. Sending the same block again is safe; if it keeps failing, check the Defender service health and quote the correlation id.',
  }),
  timeout: (e) => ({
    reason: `Defender did not answer in time${attemptsText(e)}, so the block was not confirmed.`,
    advice: 'Treat the file as not blocked. Sending the same block again is safe.',
  }),
  network: (e) => ({
    reason: `The bot could not reach Defender${attemptsText(e)}.`,
    advice: 'Treat the file as not blocked and try again shortly; if it persists, the bot\'s network path to Defender needs checking.',
  }),
  invalidRequest: () => ({
    reason: 'Defender rejected the request.',
    advice: 'Check the hash and comment; the message from Defender is above.',
  }),
  invalidHash: () => ({
    reason: 'Defender rejected the hash as invalid.',
    advice: 'Check that the hash is the file\'s SHA-1 (40 hexadecimal characters).',
  }),
  forbidden: () => ({
    reason: 'Defender refused the request (HTTP 403): the account it was made for lacks the permission.',
    advice: 'Check the Defender role of the account and the app\'s API permissions.',
  }),
  unauthorized: () => ({
    reason: 'Defender did not accept the token it was given (HTTP 401).',
    advice: 'Sign in again; if it persists, an administrator should check the app registration.',
  }),
  notFound: () => ({
    reason: 'Defender answered that the resource was not found (HTTP 404).',
    advice: 'Check the Defender API address the bot is configured with.',
  }),
  featureDisabled: () => ({
    reason: 'The tenant has the "Allow or block file" advanced feature turned off in Defender.',
    advice: 'A Defender administrator can turn it on under Settings > Endpoints > Advanced features.',
  }),
  unexpected: () => ({
    reason: 'Something unexpected went wrong while talking to Defender, and the block was not confirmed.',
    advice: 'Treat the file as not blocked and try again; if it persists, give the correlation id to the bot\'s operators.',
  }),
};

function explainFailure(error: DefenderError): { reason: string; advice: string } {
  return FAILURES[error.reason](error);
}

function attemptsText(error: DefenderError): string {
  const n = error.details.attempts;
  return n && n > 1 ? ` (${n} attempts)` : '';
}

function optionalFact(label: string, value: string | undefined, format: (v: string) => string = (v) => v): Fact[] {
  return value ? [{ label, value: markdownSafe(format(value)) }] : [];
}

function hashTypeName(type: string): string {
  return HASH_NAMES[type as HashType] ?? type;
}

function roleName(id: string): string {
  return ROLE_NAMES[id] ?? id;
}

function apiName(source: FileStatus['source']): string {
  return { files: 'Files API', indicators: 'Indicators API', simulator: 'Simulator (local mode)' }[source];
}

/** `2017-12-04T13:06:23.4502191Z` → `2017-12-04 13:06:23 UTC`; anything unparsable as given. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
