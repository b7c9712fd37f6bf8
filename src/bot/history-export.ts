import { type TurnContext, type FileConsentCardResponse } from 'botbuilder';
import type { Caller } from '../domain/caller';
import { readHistory } from '../domain/history';
import type { Delegation } from '../domain/ports';
import { noticeReply } from '../cards/notice';
import { refusalReply } from '../cards/refusal-views';
import { auditToCsv, auditToJson } from '../storage/audit-export';
import type { BotServices } from './bot-services';
import type { Continuation } from './continuation';
import { send } from './send';

/** An export waiting for the analyst to accept the file in Teams. */
interface PendingExport {
  readonly name: string;
  readonly content: string;
  readonly userId: string;
  readonly count: number;
}

const key = (id: string) => `export/${id}`;

/** Builds the audit export and offers it as a file (Teams file consent card, 1:1 chats only). */
export async function offerExport(
  s: BotServices,
  caller: Caller,
  format: 'csv' | 'json',
  delegation: Delegation,
  continuation: Continuation,
): Promise<void> {
  const outcome = await readHistory(s.actions, caller, delegation, { export: true });
  if (outcome.kind !== 'entries') {
    await continuation((context) => send(context, refusalReply(outcome, 'history', caller)).then(() => undefined));
    return;
  }
  const id = s.newId();
  const stamp = s.actions.now().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const pending: PendingExport = {
    name: `defender-block-bot-audit-${stamp}.${format}`,
    content: format === 'csv' ? auditToCsv(outcome.entries) : auditToJson(outcome.entries),
    userId: caller.userId,
    count: outcome.entries.length,
  };
  await s.store.put(key(id), pending, { ifNoneMatch: '*', ttlMs: s.settings.decisionTtlMs });
  await continuation(async (context) => {
    await context.sendActivity({
      type: 'message',
      summary: `Audit export ready: ${pending.count} entries`,
      attachments: [
        {
          contentType: 'application/vnd.microsoft.teams.card.file.consent',
          name: pending.name,
          content: {
            description: `The audit trail of Defender Block Bot for your organization: ${pending.count} entries.`,
            sizeInBytes: Buffer.byteLength(pending.content, 'utf8'),
            acceptContext: { exportId: id },
            declineContext: { exportId: id },
          },
        },
      ],
    });
  });
}

/** The analyst accepted the file: upload it where Teams said, then show it in the chat. */
export async function deliverExport(s: BotServices, context: TurnContext, response: FileConsentCardResponse): Promise<void> {
  const id = (response.context as { exportId?: unknown } | undefined)?.exportId;
  const stored = typeof id === 'string' ? await s.store.get<PendingExport>(key(id)) : undefined;
  if (!stored || stored.value.userId !== context.activity.from?.id || !response.uploadInfo?.uploadUrl) {
    await send(context, noticeReply('This export is no longer available', ['Send "history export" again for a fresh one.']));
    return;
  }
  const claimed = await s.store.delete(key(id as string), { ifMatch: stored.etag });
  if (!claimed.ok) return;
  await s.files.upload(response.uploadInfo.uploadUrl, Buffer.from(stored.value.content, 'utf8'));
  const info = response.uploadInfo;
  await context.sendActivity({
    type: 'message',
    summary: `Audit export: ${info.name}`,
    attachments: [
      {
        contentType: 'application/vnd.microsoft.teams.card.file.info',
        contentUrl: info.contentUrl,
        name: info.name,
        content: { uniqueId: info.uniqueId, fileType: info.fileType },
      },
    ],
  });
}

/** The analyst declined the file: forget it. */
export async function discardExport(s: BotServices, context: TurnContext, response: FileConsentCardResponse): Promise<void> {
  const id = (response.context as { exportId?: unknown } | undefined)?.exportId;
  if (typeof id === 'string') await s.store.delete(key(id));
  await send(context, noticeReply('Export discarded', ['Nothing was saved.'], { tone: 'default' }));
}
