import type { BulkLine } from '../domain/bulk-intake';
import type { BulkProgress } from '../domain/bulk-block';
import type { BulkFlag } from '../domain/bulk-precheck';
import type { Concern } from '../domain/block-file';
import { CardVerb } from './card-verbs';
import { count, ENFORCEMENT, factsAndFields, localTime, SIMULATED, toneStyle, type Fact } from './card-text';
import { noticeReply } from './notice';
import { renderCard, type Reply } from './render';
import { shown, shownInRun } from './safe-text';

/** Failures and problems listed on a card; the rest is counted (the audit export has them all). */
const LISTED = 20;
/** Hashes listed on the cards that ask before sending (each takes two lines on a phone); the rest are counted. */
const FLAGGED_LISTED = 12;

/** Some lines of a bulk list are unusable: list them and ask before blocking the others. */
export function bulkReviewReply(lines: readonly BulkLine[], reviewId: string, validCount: number): Reply {
  const bad = lines.filter((l) => l.problem);
  const headline = `${count(bad.length)} of ${count(lines.length)} lines can't be used`;
  const card = renderCard('bulk-review', {
    headline,
    tone: toneStyle('warning'),
    summary:
      validCount > 0
        ? `${count(validCount)} hashes are fine. Fix the list and send it again, or block the ${count(validCount)} valid ones now.`
        : 'No line can be used. Fix the list and send it again.',
    problems: bad.slice(0, LISTED).map(problemOf),
    moreProblems: bad.length > LISTED ? `…and ${count(bad.length - LISTED)} more.` : '',
    validCount,
    confirmTitle: `Block the ${count(validCount)} valid hashes`,
    reviewId,
    verbs: CardVerb,
  });
  return { card, summary: `${headline}; nothing was blocked yet.` };
}

/**
 * Hashes of a bulk list that a single block would ask about (an indicator already in force, a Microsoft
 * signature, wide prevalence, a check that could not be made): they are left out unless the analyst includes them.
 */
export function bulkPrecheckReply(flags: readonly BulkFlag[], total: number, ids: { readonly allId: string; readonly restId: string }): Reply {
  const rest = total - flags.length;
  const headline = `Check before blocking: ${count(flags.length)} of ${count(total)} hashes need a look`;
  const card = renderCard('bulk-precheck', {
    headline,
    tone: toneStyle('warning'),
    summary:
      rest > 0
        ? `A single block would ask about these first. Block the other ${count(rest)} and leave these out, or include them.`
        : 'A single block would ask about every one of these first. Include them, or cancel.',
    flagged: flags.slice(0, FLAGGED_LISTED).map((f) => ({ hash: shown(f.hash.value), why: f.concerns.map(flagText).join('; ') })),
    moreFlagged: flags.length > FLAGGED_LISTED ? `…and ${count(flags.length - FLAGGED_LISTED)} more.` : '',
    footer: 'Nothing has been sent to Defender yet.',
    allCount: total,
    restCount: rest,
    restTitle: `Block the other ${count(rest)}, leave these out`,
    allTitle: rest > 0 ? `Include them: block all ${count(total)}` : `Block ${flags.length === 1 ? 'it' : `all ${count(total)}`} anyway`,
    allId: ids.allId,
    restId: ids.restId,
    verbs: CardVerb,
  });
  return { card, summary: `${headline}; nothing was blocked yet.` };
}

/** What a bulk block interrupted by a restart had done, as its record says. */
export interface BulkInterruption {
  readonly total: number;
  readonly blocked: number;
  readonly failed: number;
  readonly notSent: number;
  /** Sent, but the bot stopped before Defender's answer was recorded. */
  readonly unknown: readonly string[];
}

/** A bulk block was interrupted (the bot was stopped or crashed): exactly what was and was not sent, and a button to send the rest. */
export function bulkInterruptedReply(state: BulkInterruption, resumeId: string): Reply {
  const remaining = state.notSent + state.unknown.length;
  const headline = `Bulk block interrupted: ${count(state.blocked)} of ${count(state.total)} blocked`;
  const card = renderCard('bulk-precheck', {
    headline,
    tone: toneStyle('warning'),
    summary: `The bot stopped while this bulk block ran. Blocked: ${count(state.blocked)}. Not blocked: ${count(state.failed)}. Not sent yet: ${count(state.notSent)}. Sent, answer not received: ${count(state.unknown.length)} (listed below; Defender is asked about them before anything is sent again, so no hash is imported twice).`,
    flagged: state.unknown.slice(0, FLAGGED_LISTED).map((hash) => ({ hash: shown(hash), why: 'sent; outcome unknown until checked' })),
    moreFlagged: state.unknown.length > FLAGGED_LISTED ? `…and ${count(state.unknown.length - FLAGGED_LISTED)} more.` : '',
    footer: remaining > 0 ? 'Nothing more is sent until you resume.' : 'Nothing is left to send.',
    allCount: remaining,
    allTitle: `Resume: send the remaining ${count(remaining)}`,
    allId: resumeId,
    restCount: 0,
    restTitle: '',
    restId: resumeId,
    verbs: CardVerb,
  });
  return { card, summary: headline };
}

/** Why a hash is flagged, for a TextRun (plain text). */
function flagText(concern: Concern): string {
  switch (concern.kind) {
    case 'existingBlock':
      return `already has an indicator (${shownInRun(concern.status.actionType)}${concern.status.requestor ? ` by ${shownInRun(concern.status.requestor, { max: 80 })}` : ''}); blocking replaces it`;
    case 'microsoftSigned':
      return `signed by ${shownInRun(concern.signer, { max: 80 })}`;
    case 'widespread':
      return `seen on ${count(concern.orgPrevalence)} devices`;
    case 'existingUnchecked':
      return `could not check whether it already has an indicator (${shownInRun(concern.reason)})`;
    case 'detailsUnchecked':
      return `could not check its signer or prevalence (${shownInRun(concern.reason)})`;
    case 'allowed':
      return 'an allow';
  }
}

/** A bulk block found no hash in the message or its file. */
export function bulkNoHashesReply(): Reply {
  return noticeReply('No hashes found', ['Put one hash per line after the first line (or attach a CSV file of hash,comment rows). Nothing was blocked.'], {
    example: 'block Phishing campaign 42\n7327b54fd718525cbca07dacde913b5ac3c85673\n‹another hash›,its own comment',
  });
}

/** More hashes than one bulk block takes. */
export function bulkTooManyReply(hashes: number, max: number): Reply {
  return noticeReply('Too many hashes', [`The list has ${count(hashes)} hashes; one request takes at most ${count(max)}. Nothing was blocked; split the list.`]);
}

/** A message carried more than one CSV file; none was downloaded. */
export function bulkOneFileReply(files: number): Reply {
  return noticeReply('One file at a time: nothing was blocked', [
    `The message has ${count(files)} CSV files attached; the bot reads one per message. Nothing was downloaded or blocked; send each file on its own.`,
  ]);
}

/** CSV attachments the bot does not download (production reads Teams file attachments only). */
export function bulkFileNotReadReply(): Reply {
  return noticeReply('The attachment was not read: nothing was blocked', [
    'The bot reads CSV files shared through Teams (attach the file to the message) and nothing else. Nothing was downloaded or blocked.',
  ]);
}

/** The attached file could not be downloaded or read; says why in the bot's own words, never with the file's content. */
export function bulkFileFailedReply(problem: string): Reply {
  return noticeReply('The attached file was not read', [shownInRun(problem), 'Nothing was blocked.']);
}

/** What the progress card adds to the run: the lines the review card set aside, and whether the simulator answered. */
export interface BulkExtras {
  readonly skipped?: readonly BulkLine[];
  readonly simulated?: boolean;
}

/** The progress card, updated in place after every batch until the run finishes; it keeps listing the lines that were skipped. */
export function bulkProgressReply(progress: BulkProgress, api: string, extras: BulkExtras = {}): Reply {
  const skipped = extras.skipped ?? [];
  const failed = progress.failures.length;
  const percent = progress.total ? Math.floor((progress.done / progress.total) * 100) : 100;
  const headline = progress.finished
    ? failed === 0
      ? `Bulk block done: ${count(progress.blocked)} files blocked`
      : `Bulk block done: ${count(progress.blocked)} blocked, ${count(failed)} NOT blocked`
    : `Bulk block running: ${count(progress.done)} of ${count(progress.total)}`;
  const progressText = progress.finished
    ? `Every hash is accounted for: ${count(progress.blocked)} blocked, ${count(failed)} not blocked.${skipped.length ? ` ${count(skipped.length)} unusable ${skipped.length === 1 ? 'line was' : 'lines were'} skipped and not blocked.` : ''}`
    : progress.waitingUntil
      ? `${percent}% done. Defender asked the bot to slow down; it resumes by itself at ${localTime(progress.waitingUntil)}.`
      : `${percent}% done. This card updates as batches finish; you need not resend anything.`;
  const facts: Fact[] = [
    { label: 'Hashes', value: count(progress.total) },
    { label: 'Done', value: `${count(progress.done)} (${percent}%)` },
    { label: 'Blocked', value: count(progress.blocked) },
    { label: 'Not blocked', value: count(failed) },
    ...(skipped.length ? [{ label: 'Skipped lines', value: count(skipped.length) }] : []),
    { label: 'Via', value: shown(api) },
  ];
  const card = renderCard('bulk-progress', {
    headline,
    tone: toneStyle(progress.finished ? (failed === 0 ? 'good' : 'attention') : 'default'),
    progressText,
    ...factsAndFields(facts),
    failures: progress.failures.slice(0, LISTED).map((f) => ({ hash: shown(f.hash.value), reason: shownInRun(f.reason) })),
    moreFailures: failed > LISTED ? `…and ${count(failed - LISTED)} more; "history export" lists every one.` : '',
    skipped: skipped.slice(0, LISTED).map(problemOf),
    moreSkipped: skipped.length > LISTED ? `…and ${count(skipped.length - LISTED)} more.` : '',
    footer: extras.simulated ? SIMULATED : ENFORCEMENT,
  });
  return { card, summary: headline };
}

/** An unusable line: where it is, what it says (monospace: it is usually a mistyped hash), and why it cannot be used. */
function problemOf(l: BulkLine): { where: string; text: string; problem: string } {
  return { where: `Line ${l.line}`, text: shown(l.text, { max: 70 }), problem: shownInRun(l.problem ?? '') };
}
