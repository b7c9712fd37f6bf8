import { badBody, type Ctx, dotnetUtc, fail, HEX, invalidHash, missing, requestorOf, type Route, send } from './exchange';
import { fileInfo, fileStats } from './file-lookups';
import type { FileAction } from './types';

/** The legacy WDATP files API (deprecated): block and unblock by SHA-1, list FileActions, file lookups. */
export const LEGACY_FILES_ROUTES: readonly Route[] = [
  { method: 'POST', path: /^\/files\/([^/]+)\/block$/i, name: 'files:block', handle: (ctx) => blockOrUnblock(ctx, true) },
  { method: 'POST', path: /^\/files\/([^/]+)\/unblock$/i, name: 'files:unblock', handle: (ctx) => blockOrUnblock(ctx, false) },
  { method: 'GET', path: /^\/fileactions\/?$/i, name: 'files:fileactions', handle: listFileActions },
  { method: 'GET', path: /^\/files\/([^/]+)\/stats\/?$/i, name: 'files:stats', handle: fileStats },
  { method: 'GET', path: /^\/files\/([^/]+)\/?$/i, name: 'files:file', handle: fileInfo },
];

function listFileActions(ctx: Ctx): void {
  send(ctx, 200, { '@odata.context': `${ctx.state.settings.filesUrl()}/$metadata#FileActions`, value: [...ctx.state.blocked.values()] });
}

/** `POST /files/{sha1}/block|unblock` with `{"Comment"}`: a 201 FileAction (or, when so set, 200 with no body). */
function blockOrUnblock(ctx: Ctx, block: boolean): void {
  const sha1 = decodeURIComponent(ctx.param ?? '');
  if (!HEX[40].test(sha1)) return fail(ctx.res, ctx.rec, invalidHash(sha1));
  const body = ctx.rec.body as Record<string, unknown>;
  if (body.Comment === undefined || body.Comment === null || body.Comment === '') {
    return fail(ctx.res, ctx.rec, missing('Comment'));
  }
  if (typeof body.Comment !== 'string') return fail(ctx.res, ctx.rec, badBody());
  const { state } = ctx;
  const now = dotnetUtc(state.now());
  const who = `${requestorOf(ctx.claims)} `;
  const key = sha1.toLowerCase();
  const action: FileAction = {
    fileIdentifier: key,
    fileIdentifierType: 'Sha1',
    actionType: block ? 'Block' : 'UnBlock',
    fileStatus: block ? 'Blocked' : state.settings.unblockFileStatus,
    creationDateTimeUtc: now,
    requestor: who,
    requestorComment: body.Comment,
    cancellationDateTimeUtc: block ? null : now,
    cancellationRequestor: block ? null : who,
    cancellationComment: block ? null : body.Comment,
    lastUpdateDateTimeUtc: now,
    requestSource: 'PublicApi',
  };
  if (block) state.blocked.set(key, action);
  else state.blocked.delete(key);
  state.actionHistory.push(action);
  if (state.blockAnswer === '200-empty') return send(ctx, 200, undefined);
  send(ctx, 201, action);
}
