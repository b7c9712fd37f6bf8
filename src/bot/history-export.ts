import type { FileConsentCardResponse, TurnContext } from 'botbuilder';
import { auditToCsv, auditToJson } from '../domain/audit-export';
import type { Caller } from '../domain/caller';
import { readHistory } from '../domain/history';
import type { AuditLog, Delegation, RoleDirectory, Store } from '../domain/ports';
import { StoreKey, StorePrefix } from '../domain/store-keys';
import { slowDownReply } from '../cards/fair-use-views';
import { noticeReply } from '../cards/notice';
import { refusalReply } from '../cards/refusal-views';
import type { Continuation } from './continuation';
import type { FileTransfer } from './file-transfer';
import { send } from './send';

/** An export waiting for the analyst to accept the file in Teams. */
interface PendingExport {
  readonly name: string;
  readonly content: string;
  readonly userId: string;
  readonly count: number;
}

/** What audit exports use. */
export interface AuditExportsDeps {
  readonly roles: RoleDirectory;
  readonly audit: AuditLog;
  readonly store: Store;
  readonly files: FileTransfer;
  readonly now: () => Date;
  readonly newId: () => string;
  /** An export not accepted within this long is forgotten. */
  readonly ttlMs: number;
  /** Exports one person may have waiting to be accepted at once (each holds a copy of the trail). */
  readonly maxPerUser?: number;
}

/** The audit trail as a file: offered on a Teams file consent card (1:1 chats), uploaded when accepted. */
export class AuditExports {
  constructor(private readonly deps: AuditExportsDeps) {}

  /** Builds the export and offers it as a file. */
  async offer(caller: Caller, format: 'csv' | 'json', delegation: Delegation, continuation: Continuation): Promise<void> {
    const max = this.deps.maxPerUser;
    if (max !== undefined && (await this.deps.store.list<PendingExport>(StorePrefix.export)).filter((e) => e.value.userId === caller.userId).length >= max) {
      await continuation((context) => send(context, slowDownReply('exports', { max })).then(() => undefined));
      return;
    }
    const outcome = await readHistory(this.deps, caller, delegation, { export: true });
    if (outcome.kind !== 'entries') {
      await continuation((context) => send(context, refusalReply(outcome, 'history', caller)).then(() => undefined));
      return;
    }
    const id = this.deps.newId();
    const stamp = this.deps.now().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const pending: PendingExport = {
      name: `defender-block-bot-audit-${stamp}.${format}`,
      content: format === 'csv' ? auditToCsv(outcome.entries) : auditToJson(outcome.entries),
      userId: caller.userId,
      count: outcome.entries.length,
    };
    await this.deps.store.put(StoreKey.export(id), pending, { ifNoneMatch: '*', ttlMs: this.deps.ttlMs });
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
  async deliver(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    const id = exportId(response);
    const stored = id ? await this.deps.store.get<PendingExport>(StoreKey.export(id)) : undefined;
    if (!id || !stored || stored.value.userId !== context.activity.from?.id || !response.uploadInfo?.uploadUrl) {
      await send(context, noticeReply('This export is no longer available', ['Send "history export" again for a fresh one.']));
      return;
    }
    const claimed = await this.deps.store.delete(StoreKey.export(id), { ifMatch: stored.etag });
    if (!claimed.ok) return;
    await this.deps.files.upload(response.uploadInfo.uploadUrl, Buffer.from(stored.value.content, 'utf8'));
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
  async discard(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    const id = exportId(response);
    const stored = id ? await this.deps.store.get<PendingExport>(StoreKey.export(id)) : undefined;
    // Only the person the export was made for may throw it away.
    if (id && stored && stored.value.userId === context.activity.from?.id) await this.deps.store.delete(StoreKey.export(id), { ifMatch: stored.etag });
    await send(context, noticeReply('Export discarded', ['Nothing was saved.'], { tone: 'default' }));
  }
}

function exportId(response: FileConsentCardResponse): string | undefined {
  const id = (response.context as { exportId?: unknown } | undefined)?.exportId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
