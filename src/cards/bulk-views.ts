import type { BulkLine } from '../domain/bulk-intake';
import type { BulkProgress } from '../domain/bulk-block';
import { CardVerb } from './card-verbs';
import { count, ENFORCEMENT, factsAndFields, localTime, SIMULATED, toneStyle, type Fact } from './card-text';
import { noticeReply } from './notice';
import { renderCard, type Reply } from './render';
import { shown, shownInRun } from './safe-text';

/** Failures and problems listed on a card; the rest is counted (the audit export has them all). */
const LISTED = 20;

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
  return noticeReply('One file at a time', [
    `The message has ${count(files)} CSV files attached; the bot reads one per message. Nothing was downloaded or blocked; send each file on its own.`,
  ]);
}

/** CSV attachments the bot does not download (production reads Teams file attachments only). */
export function bulkFileNotReadReply(): Reply {
  return noticeReply('The attachment was not read', [
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
