// What a SOC analyst reads on a phone, checked on the card JSON (the rendered checks are in test/cards/).
import { approvalCardReply, requestPendingReply } from '../../src/cards/approval-views';
import { fileStatusReply, unblockOutcomeReply } from '../../src/cards/block-views';
import { bulkProgressReply } from '../../src/cards/bulk-views';
import { CardVerb } from '../../src/cards/card-verbs';
import { confirmationClosedReply } from '../../src/cards/confirm-views';
import { blockFieldsOf, blockFormReply } from '../../src/cards/form-views';
import { helpReply, parseErrorReply } from '../../src/cards/help-views';
import { historyReply } from '../../src/cards/history-views';
import { refusalReply } from '../../src/cards/refusal-views';
import type { Reply } from '../../src/cards/render';
import { fileReportReply } from '../../src/cards/report-views';
import type { ApprovalRequest } from '../../src/domain/approval-record';
import { DefenderError } from '../../src/errors';
import { cardTexts } from '../fixtures/card-texts';
import { CARD_SAMPLES, COMMENT_400, HISTORY_15, LONG_UPN, SHA1, SHA256 } from '../cards/card-samples';

type Node = Record<string, unknown>;
const sha256 = { value: SHA256, type: 'Sha256' as const };
const caller = { userId: '29:1', aadObjectId: 'oid-1', name: 'Ana Analyst', tenantId: 't1' };

/** Every object of a card with `type` equal to one of `types`. */
function nodes(content: unknown, ...types: string[]): Node[] {
  const out: Node[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Node;
      if (types.includes(o.type as string)) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(content);
  return out;
}

/** The card without its choice sets (whose values are Defender's names on purpose). */
function withoutChoices(content: unknown): unknown {
  return JSON.parse(JSON.stringify(content, (_k, v: unknown) => ((v as Node | null)?.type === 'Input.ChoiceSet' ? undefined : v)));
}

const actions = (reply: Reply) => (reply.card.content.actions ?? []) as Node[];
const titles = (reply: Reply) => actions(reply).map((a) => a.title);
const headline = (reply: Reply) => cardTexts(reply.card.content)[0];

describe.each(CARD_SAMPLES.map((s) => [s.name, s] as const))('%s', (_name, sample) => {
  const content = sample.reply().card.content;

  it('keeps hashes, ids, long names and times out of FactSets (short values only)', () => {
    const values = nodes(content, 'FactSet').flatMap((f) => (f.facts as { value: string }[]).map((fact) => fact.value));
    expect(values.filter((v) => v.length > 20 || v.split(/\s+/).some((w) => w.length > 20))).toEqual([]);
  });

  it('carries status without low-contrast text colours (Good, Warning)', () => {
    expect(nodes(content, 'TextBlock', 'TextRun').filter((t) => ['good', 'warning'].includes(String(t.color ?? '').toLowerCase()))).toEqual([]);
  });

  it('shows no raw ISO time and no raw Defender value', () => {
    const text = cardTexts(withoutChoices(content)).join('\n');
    expect(text).not.toMatch(/(?<!DATE\()\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toMatch(/UnBlock|PortableExecutable|BlockAndRemediate/);
  });
});

describe('the approval card (defect 1)', () => {
  const pending = CARD_SAMPLES.find((s) => s.name === 'approval-pending-shared')!.reply();

  it('posts two short buttons to the channel: approve (not the destructive style) and reject', () => {
    expect(titles(pending)).toEqual(['Approve and block', 'Reject']);
    expect(actions(pending).map((a) => a.style ?? 'default')).toEqual(['positive', 'default']);
  });

  it("keeps the requester's Cancel in the requester's view and in the notice they get", () => {
    const request = {
      id: 'r1',
      action: 'block',
      hash: sha256,
      comment: 'x',
      requester: { userId: '29:1', name: 'Ana' },
      requestedAt: '2025-03-01T12:00:00Z',
      expiresAt: '2025-03-02T12:00:00Z',
      status: 'pending',
      decisions: [],
      attempts: 0,
    } as ApprovalRequest;
    expect(titles(approvalCardReply(request, 'requester'))).toEqual(['Cancel my request']);
    const notice = requestPendingReply(request, true);
    expect(actions(notice)).toEqual([expect.objectContaining({ type: 'Action.Execute', title: 'Cancel my request', verb: CardVerb.CancelRequest, data: { approvalId: 'r1' } })]);
  });

  it('says the requester cancelled, never "Decided"', () => {
    const cancelled = cardTexts(CARD_SAMPLES.find((s) => s.name === 'approval-cancelled')!.reply().card.content);
    expect(cancelled[0]).toBe('Cancelled by the requester: NOT blocked');
    expect(cancelled.some((t) => /^2025-03-01 12:05:00 UTC: .* cancelled: NOT blocked$/.test(t))).toBe(true);
    expect(cancelled.some((t) => t.startsWith('Decided'))).toBe(false);
  });
});

describe('headlines say exactly what happened (defect 4)', () => {
  const status = { fileIdentifier: SHA1, fileIdentifierType: 'Sha1', actionType: 'Block', fileStatus: 'Blocked', confirmed: true, source: 'indicators' as const };

  it.each([
    ['a confirmed block', status, 'File blocked'],
    ['a files-API answer without details', { ...status, confirmed: false, source: 'files' as const }, 'Block sent, not confirmed by Defender'],
    ['an audit', { ...status, actionType: 'Audit' }, 'Not blocked: only audited'],
    ['a warning', { ...status, actionType: 'Warn' }, 'Not blocked: users are only warned'],
    ['an allow', { ...status, actionType: 'Allowed', fileStatus: 'Allowed' }, 'File allowed'],
  ])('%s', (_what, s, expected) => {
    expect(headline(fileStatusReply(s))).toBe(expected);
  });

  it('an unconfirmed block does not say "Status: Blocked"', () => {
    expect(cardTexts(fileStatusReply({ ...status, confirmed: false }).card.content)).toContain('Status: Not confirmed');
  });

  it('"Block anyway" after the Microsoft-signed warning does not end in a plain "File blocked"', () => {
    expect(headline(fileStatusReply(status, { acknowledged: ['microsoftSigned'] }))).toBe('Block sent, but Defender does not block Microsoft-signed files');
  });

  it('the status card does not file an audit under "Block"', () => {
    const texts = cardTexts(fileReportReply({ hash: sha256, block: { ...status, actionType: 'Audit' } }, undefined, true).card.content);
    expect(texts[0]).toBe('Not blocked: only audited');
    expect(texts).toContain('Indicator (does not block)');
    expect(texts).not.toContain('Block');
  });

  it('history lists an audit as an audit and a rejection as a rejection', () => {
    const texts = cardTexts(historyReply(HISTORY_15.slice(11, 13)).card.content);
    expect(texts).toEqual(expect.arrayContaining(['Audit only, not blocked: done', 'Approval rejected: NOT done']));
    expect(texts.some((t) => /^Block: done|cancelled/.test(t))).toBe(false);
  });

  it('the Cancel card names the file', () => {
    expect(cardTexts(confirmationClosedReply('cancelled', sha256).card.content)).toContain(`Nothing was sent to Defender for SHA-256 ${SHA256}.`);
  });

  it('an unblock says the file is no longer blocked, in words', () => {
    const lifted = unblockOutcomeReply({ kind: 'unblocked', status: { ...status, actionType: 'UnBlock', fileStatus: 'Unblocked' }, lifted: [] }, sha256, caller);
    expect(cardTexts(lifted.card.content)).toEqual(expect.arrayContaining(['Block lifted', 'Action: Unblock', 'Status: Unblocked']));
  });
});

describe('error cards spare the phone user retyping the hash (defect 5)', () => {
  it('a Defender failure carries Retry (the same block) and the form pre-filled with it', () => {
    const fields = blockFieldsOf({
      hash: sha256,
      comment: COMMENT_400,
      options: { action: 'Audit', expiresAt: '2025-03-31T12:00:00.000Z', severity: 'High', deviceGroups: ['A', 'B'] },
    });
    const error = new DefenderError('unavailable', 'Internal error', { httpStatus: 500 });
    const reply = refusalReply({ kind: 'failed', error }, 'block', caller, sha256, { retry: fields });
    const expected = { hash: SHA256, comment: COMMENT_400, action: 'Audit', expires: '2025-03-31', severity: 'High', groups: 'A, B' };
    expect(actions(reply).map((a) => [a.title, a.verb, a.data])).toEqual([
      ['Retry', CardVerb.SubmitForm, expected],
      ['Edit in the form', CardVerb.OpenForm, expected],
    ]);
  });

  it.each([
    [{ reason: 'notAHash', verb: 'block', given: '7327b54fd718525cbca07dacde913b5ac3c8567' } as const, { hash: '7327b54fd718525cbca07dacde913b5ac3c8567' }],
    [{ reason: 'missingComment', verb: 'block', hash: sha256 } as const, { hash: SHA256 }],
  ])('%j opens the form pre-filled', (error, data) => {
    expect(actions(parseErrorReply(error))).toEqual([expect.objectContaining({ title: 'Fix it in the form', verb: CardVerb.OpenForm, data })]);
  });
});

describe('short cards (defect 6)', () => {
  it('help leads with the form button', () => {
    const body = helpReply('production').card.content.body as Node[];
    expect(body.findIndex((b) => b.type === 'ActionSet')).toBeLessThanOrEqual(2);
  });

  it('history shows a few rows and More, and folds a bulk job into one row', () => {
    const reply = historyReply(HISTORY_15);
    const rows = nodes(reply.card.content, 'Container').filter((c) => c.separator === true);
    expect(rows).toHaveLength(4);
    expect(cardTexts(reply.card.content)).toContain('Bulk block of 11 files: done');
    expect(actions(reply)).toEqual([expect.objectContaining({ title: 'More', verb: CardVerb.HistoryMore, data: { page: 1, hash: '' } })]);
    const last = historyReply(HISTORY_15, undefined, 1);
    expect(titles(last)).toEqual(['Newest']);
  });
});

describe('the bulk result (defect 7)', () => {
  const progress = { total: 30, done: 30, blocked: 30, failures: [], finished: true };
  const skipped = [{ line: 32, text: 'nothex', problem: 'Not a SHA-1, SHA-256 or MD5 hash.' }];

  it('keeps listing the skipped lines', () => {
    const texts = cardTexts(bulkProgressReply(progress, 'Indicators API', { skipped }).card.content);
    expect(texts).toEqual(expect.arrayContaining(['Skipped: not blocked', 'Line 32', 'nothex', 'Not a SHA-1, SHA-256 or MD5 hash.', 'Skipped lines: 1']));
    expect(texts.some((t) => t.includes('1 unusable line was skipped and not blocked'))).toBe(true);
  });

  it('does not claim the roll-out delay in local mode', () => {
    const texts = cardTexts(bulkProgressReply(progress, 'Simulator (local mode)', { simulated: true }).card.content).join('\n');
    expect(texts).not.toContain('15 minutes');
    expect(texts).toContain('No real device was affected');
  });
});

describe('small inconsistencies (defect 8)', () => {
  it("the form's button does not say Block whatever the action", () => {
    expect(titles(blockFormReply({ hashTypes: ['Sha1'], supportsOptions: true, defaultExpiryDays: 30, values: { action: 'Audit' } }))).toEqual(['Send to Defender']);
  });

  it('the Severity choice has no empty value (validateProperties refuses it)', () => {
    const severity = nodes(blockFormReply({ hashTypes: ['Sha1'], supportsOptions: true, defaultExpiryDays: 30 }).card.content, 'Input.ChoiceSet').find((c) => c.id === 'severity')!;
    expect((severity.choices as { value: string }[]).every((c) => c.value !== '')).toBe(true);
    expect(severity.placeholder).toBe('Not set');
  });

  it('times people read are in their own time zone (DATE and TIME in TextBlocks)', () => {
    const reply = fileStatusReply(
      {
        fileIdentifier: SHA1,
        fileIdentifierType: 'Sha1',
        actionType: 'Block',
        fileStatus: 'Blocked',
        confirmed: true,
        source: 'indicators',
        creationDateTimeUtc: '2025-03-01T12:00:00.123Z',
        requestor: LONG_UPN,
      },
      {},
    );
    const created = nodes(reply.card.content, 'TextBlock').map((t) => t.text);
    expect(created).toEqual(expect.arrayContaining(['Created', '{{DATE(2025-03-01T12:00:00Z, SHORT)}} {{TIME(2025-03-01T12:00:00Z)}}', 'Requested by', LONG_UPN]));
    expect(cardTexts(reply.card.content)).toEqual(expect.arrayContaining(['Created: 2025-03-01 12:00:00 UTC', `Requested by: ${LONG_UPN}`]));
  });
});
