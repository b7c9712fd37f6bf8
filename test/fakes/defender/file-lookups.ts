import { type Ctx, fail, notFound, send } from './exchange';

/** Seeded fields only the stats endpoints answer. */
const STATS_ONLY = ['orgPrevalence', 'orgFirstSeen', 'orgLastSeen', 'topFileNames'];

function baseUrl(ctx: Ctx): string {
  return ctx.api === 'files' ? ctx.state.settings.filesUrl() : ctx.state.settings.indicatorsUrl();
}

/** `GET /files/{sha1|sha256|md5}`: the seeded file info (without the org stats), 404 when unknown. */
export function fileInfo(ctx: Ctx): void {
  const file = ctx.state.findFile(ctx.param ?? '');
  if (!file) return fail(ctx.res, ctx.rec, notFound(`File ${ctx.param} was not found`));
  const info = Object.fromEntries(Object.entries(file).filter(([k]) => !STATS_ONLY.includes(k)));
  send(ctx, 200, { '@odata.context': `${baseUrl(ctx)}/$metadata#Files/$entity`, ...info });
}

/**
 * `GET /files/{id}/stats`: the legacy files API answers `orgPrevalence` (a string, as in its docs); the
 * indicators API answers `organizationPrevalence` (a number) and checks `lookBackHours` (1 to 720).
 */
export function fileStats(ctx: Ctx): void {
  const file = ctx.state.findFile(ctx.param ?? '');
  if (!file) return fail(ctx.res, ctx.rec, notFound(`File ${ctx.param} was not found`));
  const context = `${baseUrl(ctx)}/$metadata#microsoft.windowsDefenderATP.api.InOrgFileStats`;
  if (ctx.api === 'files') {
    return send(ctx, 200, {
      '@odata.context': context,
      sha1: file.sha1,
      orgPrevalence: String(file.orgPrevalence ?? 0),
      orgFirstSeen: file.orgFirstSeen ?? null,
      orgLastSeen: file.orgLastSeen ?? null,
      topFileNames: file.topFileNames ?? [],
    });
  }
  const lookBack = ctx.rec.query.lookBackHours;
  if (lookBack !== undefined && !(/^\d+$/.test(lookBack) && Number(lookBack) >= 1 && Number(lookBack) <= 720)) {
    return fail(ctx.res, ctx.rec, { status: 400, code: 'InvalidInput', message: `Invalid input lookBackHours=${lookBack} (max 720).` });
  }
  send(ctx, 200, {
    '@odata.context': context,
    sha1: file.sha1,
    organizationPrevalence: file.orgPrevalence ?? 0,
    orgFirstSeen: file.orgFirstSeen ?? null,
    orgLastSeen: file.orgLastSeen ?? null,
    globallyPrevalence: file.globalPrevalence ?? 0,
    globalFirstObserved: file.globalFirstObserved ?? null,
    globalLastObserved: file.globalLastObserved ?? null,
    topFileNames: file.topFileNames ?? [],
  });
}
