import type { RefusedAction } from '../domain/action-names';
import type { Caller } from '../domain/caller';
import { HASH_NAMES, type FileHash } from '../domain/file-hash';
import type { Refusal } from '../domain/outcomes';
import type { DefenderError, DefenderFailureReason, TokenError } from '../errors';
import { CardVerb } from './card-verbs';
import type { BlockFields } from '../commands/parse-block-fields';
import { apiName, factsAndFields, hashTypeName, optionalFact, roleName, toneStyle, type Fact } from './card-text';
import { renderCard, type Reply } from './render';
import { shown, shownInRun, shownName } from './safe-text';

const HEADLINES: Record<RefusedAction, string> = {
  block: 'File NOT blocked',
  unblock: 'Block NOT lifted',
  undo: 'Undo failed: the block is still in force',
  status: 'Could not look the file up',
  'bulk-block': 'Bulk block NOT started',
  history: 'Could not read the history',
  contain: 'Nothing stopped or quarantined',
};

const VERBS: Record<RefusedAction, string> = {
  block: 'blocking a file',
  unblock: 'lifting a block',
  undo: 'undoing a block',
  status: 'looking a file up',
  'bulk-block': 'blocking files',
  history: 'reading the audit trail',
  contain: 'stopping and quarantining a file on devices',
};

/** What a refusal card can offer besides its words. */
export interface RefusalOffers {
  /** A denied block offers "Request approval" for this draft. */
  readonly approvalDraftId?: string;
  /** The block as it was asked: a failed block then carries Retry (the same block again) and a pre-filled form. */
  readonly retry?: BlockFields;
  /** A failed Undo whose offer still stands carries its Undo button again. */
  readonly undoId?: string;
}

/** The answer for any refusal: what did not happen, why, and what to do. */
export function refusalReply(refusal: Refusal, action: RefusedAction, caller: Caller, hash?: FileHash, offers: RefusalOffers = {}): Reply {
  const { approvalDraftId, retry, undoId } = offers;
  const again = { retry, hash, undoId };
  switch (refusal.kind) {
    case 'denied':
      return deniedReply(refusal.heldRoles, refusal.neededRoles, caller, action, approvalDraftId);
    case 'rolesUnavailable':
      return failureCard(action, hash, {
        reason: 'The bot could not check your directory roles, so it did nothing (it never acts without a verified role).',
        advice: "Try again in a minute. If this keeps happening, ask your Teams administrator to check the bot's access to the directory.",
        facts: [{ label: 'Detail', value: shown(refusal.detail) }],
        again,
      });
    case 'tokenFailed':
      // Only Undo keeps its button here: a command is simply sent again after signing in.
      return tokenFailedCard(action, hash, refusal.error, action === 'undo' ? again : undefined);
    case 'failed':
      return defenderFailedCard(action, hash, refusal.error, again);
    case 'unsupportedHash':
      return failureCard(action, hash, {
        reason: `The ${apiName(refusal.api)} takes ${refusal.supported.map(hashTypeName).join(', ')} only, and this is ${HASH_NAMES[refusal.hash.type]}. Nothing was sent to Defender.`,
        advice: "Use the file's SHA-1 (the status command shows it when Defender knows the file), or ask your administrator to switch the bot to the Indicators API.",
        facts: [],
      });
  }
}

/** Shown when the caller lacks the role: names the roles needed and held; nothing was sent. */
export function deniedReply(held: readonly string[], needed: readonly string[], caller: Caller, action: RefusedAction = 'block', approvalDraftId?: string): Reply {
  const neededNames = needed.map((r) => shownName(roleName(r))).join(' or ');
  const headline = action === 'block' ? 'Not blocked: you need a directory role' : 'Not allowed: you need a directory role';
  const card = renderCard('denied', {
    headline,
    tone: toneStyle('attention'),
    explanation: `${capitalize(VERBS[action])} needs the ${neededNames} directory role. Nothing was sent to Defender.`,
    ...factsAndFields([
      { label: 'You', value: shownName(caller.name) },
      { label: 'Your roles', value: held.length ? held.map((r) => shownName(roleName(r))).join(', ') : 'none that count here' },
      { label: 'Needed', value: neededNames },
    ]),
    advice: approvalDraftId
      ? 'You can ask a colleague with the role to approve this block: press "Request approval". If you hold an eligible role in Privileged Identity Management, you can also activate it and try again.'
      : 'If you hold an eligible role in Privileged Identity Management, activate it and try again; otherwise ask a Security Administrator.',
    hasRequest: !!approvalDraftId,
    draftId: approvalDraftId ?? '',
    verbs: CardVerb,
  });
  return { card, summary: `${headline}: ${VERBS[action]} needs the ${neededNames} role.` };
}

/** Headlines when Defender may have carried out the request: never "NOT". */
const UNKNOWN_HEADLINES: Partial<Record<RefusedAction, string>> = {
  block: 'Outcome unknown: the file may be blocked',
  'bulk-block': 'Outcome unknown: the files may be blocked',
  unblock: 'Outcome unknown: the block may have been lifted',
  undo: 'Outcome unknown: the block may have been lifted',
};

function defenderFailedCard(action: RefusedAction, hash: FileHash | undefined, error: DefenderError, again: Again): Reply {
  const { reason, advice } = FAILURES[error.reason](error, action);
  const d = error.details;
  const unknown = error.reason === 'outcomeUnknown';
  return failureCard(action, hash, {
    headline: unknown ? (UNKNOWN_HEADLINES[action] ?? 'Outcome unknown') : undefined,
    statusHash: unknown ? hash : undefined,
    reason,
    advice,
    upstreamMessage: d.httpStatus ? error.message : undefined,
    facts: [
      ...optionalFact('Defender code', d.upstreamCode),
      ...optionalFact('HTTP status', d.httpStatus),
      ...optionalFact('Correlation id', d.correlationId),
      ...optionalFact('Attempts', d.attempts),
    ],
    again,
  });
}

/** What a failure card offers to do again: the block as asked (Retry and the pre-filled form), or a lookup. */
interface Again {
  readonly retry?: BlockFields;
  readonly hash?: FileHash;
  readonly undoId?: string;
}

/** Retry and the pre-filled form for a failed block; Retry for a failed lookup or history. */
function againButtons(action: RefusedAction, again: Again | undefined): NoticeButtons {
  const retry = again?.retry;
  if (action === 'block' && retry) {
    const fields = {
      hash: retry.hash ?? '',
      comment: retry.comment ?? '',
      action: retry.action ?? '',
      expires: retry.expires ?? '',
      severity: retry.severity ?? '',
      groups: retry.groups ?? '',
    };
    return {
      executes: [
        { title: 'Retry', verb: CardVerb.SubmitForm, data: fields, submitData: { ...fields, verb: CardVerb.SubmitForm } },
        { title: 'Edit in the form', verb: CardVerb.OpenForm, data: fields, submitData: { ...fields, verb: CardVerb.OpenForm } },
      ],
      commands: [],
    };
  }
  if (action === 'undo' && again?.undoId) {
    const data = { undoId: again.undoId };
    return { executes: [{ title: 'Undo', verb: CardVerb.Undo, data, submitData: { ...data, verb: CardVerb.Undo } }], commands: [] };
  }
  if (action === 'status' && again?.hash) return { executes: [], commands: [{ title: 'Retry', data: { msteams: { type: 'imBack', value: `status ${again.hash.value}` } } }] };
  if (action === 'history')
    return { executes: [], commands: [{ title: 'Retry', data: { msteams: { type: 'imBack', value: again?.hash ? `history ${again.hash.value}` : 'history' } } }] };
  return { executes: [], commands: [] };
}

/** The buttons a failure card carries, as its template takes them. */
interface NoticeButtons {
  readonly executes: { title: string; verb: string; data: Record<string, string>; submitData: Record<string, string> }[];
  readonly commands: { title: string; data: { msteams: { type: 'imBack'; value: string } } }[];
}

function tokenFailedCard(action: RefusedAction, hash: FileHash | undefined, error: TokenError, again: Again | undefined): Reply {
  const reasons: Record<TokenError['reason'], string> = {
    unavailable: 'The bot could not get a token to act on your behalf, so nothing was sent.',
    interactionRequired: 'Your sign-in needs to be renewed before the bot can act on your behalf, so nothing was sent.',
    consentRequired: 'You (or an administrator) must consent to the bot acting on your behalf, so nothing was sent.',
    invalidGrant: 'Your sign-in has expired or was revoked, so nothing was sent.',
  };
  return failureCard(action, hash, {
    reason: reasons[error.reason],
    advice: `${againAdvice(action, error)} If it keeps failing, ask an administrator to check the bot's app registration.`,
    facts: [],
    again,
  });
}

/** What to do after a token failure: sign in again (the bot asks), or just try again when the token service was unavailable. */
function againAdvice(action: RefusedAction, error: TokenError): string {
  if (action !== 'undo') return 'Sign in again and resend the command.';
  return error.reason === 'unavailable' ? 'Press Undo again in a minute.' : 'Sign in again, then press Undo again.';
}

function failureCard(
  action: RefusedAction,
  hash: FileHash | undefined,
  parts: { reason: string; advice: string; facts: Fact[]; upstreamMessage?: string; headline?: string; statusHash?: FileHash; again?: Again },
): Reply {
  const headline = parts.headline ?? HEADLINES[action];
  const card = renderCard('block-failed', {
    headline,
    tone: toneStyle(parts.headline ? 'warning' : 'attention'),
    hasStatus: !!parts.statusHash,
    statusText: parts.statusHash ? `status ${parts.statusHash.value}` : '',
    hasHash: !!hash,
    hashLabel: hash ? `${HASH_NAMES[hash.type]} of the file` : '',
    hash: hash?.value ?? '',
    reason: parts.reason,
    hasUpstreamMessage: !!parts.upstreamMessage,
    upstreamMessage: shownInRun(parts.upstreamMessage ?? ''),
    ...factsAndFields(parts.facts),
    advice: parts.advice,
    ...againButtons(action, parts.again),
  });
  const subject = hash ? `: ${HASH_NAMES[hash.type]} ${hash.value}` : '';
  return { card, summary: `${headline}${subject}. ${parts.reason}` };
}

type Explained = { reason: string; advice: string };

const FAILURES: Record<DefenderFailureReason, (e: DefenderError, action: RefusedAction) => Explained> = {
  rateLimited: (e, action) => ({
    reason: `Defender is throttling requests (HTTP 429) and did not take the ${noun(action)}.`,
    advice:
      e.details.retryAfterSeconds !== undefined
        ? `Defender asked to wait ${e.details.retryAfterSeconds} seconds; send the command again after that.`
        : 'Wait a minute and send the command again.',
  }),
  unavailable: (e, action) => ({
    reason: `Defender had a server error${attemptsText(e)} and did not confirm the ${noun(action)}.`,
    advice: `${treatAsNotDone(action)} If it keeps failing, check the Defender service health and quote the correlation id.`,
  }),
  timeout: (e, action) => ({
    reason: `Defender did not answer in time${attemptsText(e)}, so the ${noun(action)} was not confirmed.`,
    advice: treatAsNotDone(action),
  }),
  outcomeUnknown: (_e, action) => ({
    reason: `The ${noun(action)} was sent, but the connection to Defender broke before it answered, so the bot cannot tell whether Defender carried it out. It was not sent again.`,
    advice: 'Press "Status" (or send "status ‹hash›") to see what Defender holds before sending it again.',
  }),
  notSent: (_e, action) => ({
    reason: `The bot could not write its audit trail, so the ${noun(action)} was not sent to Defender: nothing changed.`,
    advice: `${treatAsNotDone(action)} Wait a minute for the bot's storage to recover, then send it again.`,
  }),
  network: (e) => ({
    reason: `The bot could not reach Defender${attemptsText(e)}.`,
    advice: "Try again shortly; if it persists, the bot's network path to Defender needs checking.",
  }),
  invalidRequest: () => ({ reason: 'Defender rejected the request.', advice: 'Check the hash and comment; the message from Defender is above.' }),
  invalidHash: () => ({ reason: 'Defender rejected the hash as invalid.', advice: "Check that the hash is the file's SHA-1, SHA-256 or MD5." }),
  forbidden: (_e, action) =>
    action === 'contain'
      ? {
          reason: 'Defender refused the request (HTTP 403): listing the devices needs the Machine.Read permission, and stop & quarantine needs Machine.StopAndQuarantine.',
          advice:
            "Ask an administrator to grant the bot's app registration the delegated Machine.Read and Machine.StopAndQuarantine permissions (admin consent), and check your Defender role allows active remediation actions.",
        }
      : {
          reason: 'Defender refused the request (HTTP 403): the account it was made for lacks the permission.',
          advice: "Check the account's Defender role and the app's API permissions.",
        },
  unauthorized: () => ({
    reason: 'Defender did not accept the token it was given (HTTP 401).',
    advice: 'Sign in again; if it persists, an administrator should check the app registration.',
  }),
  notFound: () => ({ reason: 'Defender answered that the resource was not found (HTTP 404).', advice: 'Check the Defender API address the bot is configured with.' }),
  featureDisabled: () => ({
    reason: 'The tenant has the "Allow or block file" advanced feature turned off in Defender.',
    advice: 'A Defender administrator can turn it on under Settings > Endpoints > Advanced features.',
  }),
  unexpected: (_e, action) => ({
    reason: `Something unexpected went wrong while talking to Defender, and the ${noun(action)} was not confirmed.`,
    advice: `${treatAsNotDone(action)} If it persists, give the correlation id to the bot's operators.`,
  }),
};

function noun(action: RefusedAction): string {
  return { block: 'block', unblock: 'unblock', undo: 'undo', status: 'lookup', 'bulk-block': 'bulk block', history: 'request', contain: 'device lookup' }[action];
}

function treatAsNotDone(action: RefusedAction): string {
  if (action === 'block' || action === 'bulk-block') return 'Treat the file as not blocked. Sending the same block again is safe.';
  if (action === 'unblock' || action === 'undo') return 'Treat the block as still in force. Sending the same unblock again is safe.';
  return 'Try again in a minute.';
}

function attemptsText(error: DefenderError): string {
  const n = error.details.attempts;
  return n && n > 1 ? ` (${n} attempts)` : '';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
