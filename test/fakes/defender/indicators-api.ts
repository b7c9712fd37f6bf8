import { badBody, type Ctx, dotnetUtc, fail, type Failure, identityOf, missing, notFound, type Route, send } from './exchange';
import { fileInfo, fileStats } from './file-lookups';
import { parseFilter } from './indicator-filter';
import { type IndicatorInput, validateIndicator } from './indicator-input';
import type { DefenderState } from './state';
import type { Claims, Indicator } from './types';

const TI_READ_WRITE = ['Ti.ReadWrite', 'Ti.ReadWrite.All'] as const;
const FILE_READ = ['File.Read.All'] as const;
const MAX_IMPORT = 500;
const MAX_TOP = 10_000;

/** The Defender indicators API, plus its file info and stats lookups; all of it rate-limited. */
export const INDICATORS_ROUTES: readonly Route[] = [
  { method: 'POST', path: /^\/indicators\/import$/i, name: 'indicators:import', limit: 'import', permissions: TI_READ_WRITE, handle: importIndicators },
  { method: 'POST', path: /^\/indicators$/i, name: 'indicators:submit', limit: 'call', permissions: TI_READ_WRITE, handle: submitIndicator },
  { method: 'GET', path: /^\/indicators$/i, name: 'indicators:list', limit: 'call', permissions: TI_READ_WRITE, handle: listIndicators },
  { method: 'DELETE', path: /^\/indicators\/([^/]+)$/i, name: 'indicators:delete', limit: 'call', permissions: TI_READ_WRITE, handle: deleteIndicator },
  { method: 'GET', path: /^\/files\/([^/]+)\/stats$/i, name: 'indicators:stats', limit: 'call', permissions: FILE_READ, handle: fileStats },
  { method: 'GET', path: /^\/files\/([^/]+)$/i, name: 'indicators:file', limit: 'call', permissions: FILE_READ, handle: fileInfo },
];

/** Submits or updates (same value and type) an indicator on behalf of `claims`; returns a copy. */
export function upsertIndicator(state: DefenderState, input: IndicatorInput, claims: Claims): Indicator {
  const key = `${input.indicatorType}|${input.indicatorValue.toLowerCase()}`;
  const now = dotnetUtc(state.now());
  const who = identityOf(claims);
  const existing = state.indicators.get(key);
  const indicator: Indicator = {
    id: existing?.id ?? state.newIndicatorId(),
    indicatorValue: input.indicatorValue,
    indicatorType: input.indicatorType,
    action: input.action,
    application: existing ? existing.application : input.application,
    source: existing?.source ?? who.source,
    sourceType: existing?.sourceType ?? who.sourceType,
    createdBy: existing?.createdBy ?? who.id,
    createdBySource: existing?.createdBySource ?? who.source,
    createdByDisplayName: existing?.createdByDisplayName ?? who.displayName,
    severity: input.severity,
    title: input.title,
    description: input.description,
    recommendedActions: input.recommendedActions,
    creationTimeDateTimeUtc: existing?.creationTimeDateTimeUtc ?? now,
    expirationTime: input.expirationTime,
    lastUpdateTime: now,
    lastUpdatedBy: existing ? who.id : null,
    rbacGroupNames: input.rbacGroupNames,
    rbacGroupIds: [],
    generateAlert: input.generateAlert,
    educateUrl: input.educateUrl,
  };
  state.indicators.set(key, indicator);
  return structuredClone(indicator);
}

function submitIndicator(ctx: Ctx): void {
  const checked = validateIndicator(ctx.rec.body as Record<string, unknown>);
  if ('code' in checked) return fail(ctx.res, ctx.rec, checked);
  const indicator = upsertIndicator(ctx.state, checked, ctx.claims);
  send(ctx, 200, { '@odata.context': `${ctx.state.settings.indicatorsUrl()}/$metadata#Indicators/$entity`, ...indicator });
}

/** `POST /indicators/import` `{"Indicators": [...]}`: at most 500, answered per item. */
function importIndicators(ctx: Ctx): void {
  const list = (ctx.rec.body as Record<string, unknown>).Indicators;
  if (list === undefined || list === null) return fail(ctx.res, ctx.rec, missing('Indicators'));
  if (!Array.isArray(list)) return fail(ctx.res, ctx.rec, badBody());
  if (list.length > MAX_IMPORT) {
    return fail(ctx.res, ctx.rec, {
      status: 400,
      code: 'MaximumBatchSizeExceeded',
      message: `Maximum batch size exceeded. Received: ${list.length}, allowed: ${MAX_IMPORT}.`,
    });
  }
  const value = list.map((item: unknown) => {
    const input = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const checked = validateIndicator(input);
    const indicator = typeof input.indicatorValue === 'string' ? input.indicatorValue : null;
    if ('code' in checked) return { id: null, indicator, isFailed: true, failureReason: checked.message };
    return { id: upsertIndicator(ctx.state, checked, ctx.claims).id, indicator, isFailed: false, failureReason: null };
  });
  send(ctx, 200, { value });
}

/** `GET /indicators` with `$filter`, `$top` (at most 10,000) and `$skip`; expired indicators are left out. */
function listIndicators(ctx: Ctx): void {
  const { $filter: filter, $top: top, $skip: skip } = ctx.rec.query;
  let predicate: (i: Indicator) => boolean = () => true;
  try {
    if (filter !== undefined) predicate = parseFilter(filter);
  } catch (err) {
    return fail(ctx.res, ctx.rec, { status: 400, code: 'ODataError', message: (err as Error).message });
  }
  const topN = count(top, MAX_TOP, MAX_TOP, '$top');
  const skipN = count(skip, 0, Number.MAX_SAFE_INTEGER, '$skip');
  if (typeof topN !== 'number') return fail(ctx.res, ctx.rec, topN);
  if (typeof skipN !== 'number') return fail(ctx.res, ctx.rec, skipN);
  const now = ctx.state.now();
  const active = [...ctx.state.indicators.values()].filter((i) => !i.expirationTime || Date.parse(i.expirationTime) > now);
  const value = active.filter(predicate).slice(skipN, skipN + topN);
  send(ctx, 200, { '@odata.context': `${ctx.state.settings.indicatorsUrl()}/$metadata#Indicators`, value });
}

function count(raw: string | undefined, fallback: number, max: number, name: string): number | Failure {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    return { status: 400, code: 'ODataError', message: `Invalid value '${raw}' for ${name}.` };
  }
  return Number(raw);
}

/** `DELETE /indicators/{id}`: 204, or 404 when no such indicator. */
function deleteIndicator(ctx: Ctx): void {
  const id = decodeURIComponent(ctx.param ?? '');
  const entry = [...ctx.state.indicators.entries()].find(([, i]) => i.id === id);
  if (!entry) return fail(ctx.res, ctx.rec, notFound(`Indicator ${id} was not found`));
  ctx.state.indicators.delete(entry[0]);
  send(ctx, 204, undefined);
}
