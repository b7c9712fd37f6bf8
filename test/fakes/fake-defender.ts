import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { closeServer, listen, readBody, sendJson } from './http-json';

/** Verified token claims. */
export type Claims = Record<string, unknown>;

/** Options of the fake Defender for Endpoint server. */
export interface FakeDefenderOptions {
  verify: (token: string, audience: string) => Promise<Claims>;
  filesAudience?: string;
  indicatorsAudience?: string;
  filesBasePath?: string;
  indicatorsBasePath?: string;
  /** Enables the documented rate limits (true) or custom ones; off by default. */
  rateLimit?: boolean | RateLimits;
  /** Requires Ti.ReadWrite / File.Read.All in `scp` or `roles` on the indicators API (default true). */
  checkPermissions?: boolean;
  /** `fileStatus` of an UnBlock FileAction; the doc's unblock example literally says "Blocked" (the default). */
  unblockFileStatus?: 'Blocked' | 'Unblocked';
  /** Clock in epoch ms, for timestamps, expiry and rate limits. */
  now?: () => number;
}

/** Per call kind limits of the indicators API. */
export interface RateLimits {
  perMinute?: number;
  perHour?: number;
  importPerMinute?: number;
}

/** A request as the fake received and answered it. */
export interface DefenderRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  claims: Claims | undefined;
  status: number;
  at: number;
}

/** A scripted fault; without `status` it only delays (or drops) the answer. */
export interface DefenderFault {
  status?: number;
  code?: string;
  message?: string;
  retryAfterSec?: number;
  delayMs?: number;
  dropConnection?: boolean;
  matcher?: (method: string, path: string) => boolean;
}

/** Legacy WDATP FileAction, as in the seed's example. */
export interface FileAction {
  fileIdentifier: string;
  fileIdentifierType: 'Sha1';
  actionType: 'Block' | 'UnBlock';
  fileStatus: 'Blocked' | 'Unblocked';
  creationDateTimeUtc: string;
  requestor: string;
  requestorComment: string;
  cancellationDateTimeUtc: string | null;
  cancellationRequestor: string | null;
  cancellationComment: string | null;
  lastUpdateDateTimeUtc: string;
  requestSource: string;
}

/** File data a test seeds; the org* fields and topFileNames feed the stats endpoints. */
export interface SeedFile {
  sha1: string;
  sha256?: string;
  md5?: string;
  globalPrevalence?: number;
  globalFirstObserved?: string;
  globalLastObserved?: string;
  size?: number;
  fileType?: string | null;
  isPeFile?: boolean;
  filePublisher?: string | null;
  fileProductName?: string | null;
  signer?: string | null;
  issuer?: string | null;
  signerHash?: string | null;
  isValidCertificate?: boolean | null;
  determinationType?: string;
  determinationValue?: string;
  orgPrevalence?: number;
  orgFirstSeen?: string | null;
  orgLastSeen?: string | null;
  topFileNames?: string[];
  [extra: string]: unknown;
}

/** An indicator entity as the indicators API returns it. */
export interface Indicator {
  id: string;
  indicatorValue: string;
  indicatorType: string;
  action: string;
  application: string | null;
  source: string;
  sourceType: 'User' | 'AadApp';
  createdBy: string;
  createdBySource: string;
  createdByDisplayName: string;
  severity: string;
  title: string;
  description: string;
  recommendedActions: string | null;
  creationTimeDateTimeUtc: string;
  expirationTime: string | null;
  lastUpdateTime: string;
  lastUpdatedBy: string | null;
  rbacGroupNames: string[];
  rbacGroupIds: string[];
  generateAlert: boolean;
  educateUrl: string | null;
}

/** What the block/unblock calls answer: the doc example's 201 FileAction or the doc text's 200 empty body. */
export type BlockAnswer = '201-fileaction' | '200-empty';

type Api = 'files' | 'indicators';
type Kind =
  | 'files:block' | 'files:unblock' | 'files:fileactions' | 'files:file' | 'files:stats'
  | 'indicators:submit' | 'indicators:import' | 'indicators:list' | 'indicators:delete'
  | 'indicators:file' | 'indicators:stats';

interface Route { kind: Kind; param?: string }
interface Ctx { req: IncomingMessage; res: ServerResponse; rec: DefenderRequest; api: Api; route: Route; claims: Claims }
interface Failure { status: number; code: string; message: string; headers?: Record<string, string> }
interface PendingFault extends DefenderFault { remaining: number }

const HEX = { 32: /^[0-9a-f]{32}$/i, 40: /^[0-9a-f]{40}$/i, 64: /^[0-9a-f]{64}$/i } as const;
const INDICATOR_TYPES = ['FileSha1', 'FileSha256', 'FileMd5', 'CertificateThumbprint', 'IpAddress', 'DomainName', 'Url'];
const ACTIONS = ['Alert', 'Warn', 'Block', 'Audit', 'BlockAndRemediate', 'AlertAndBlock', 'Allowed'];
const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'];
const FILTERABLE = [
  'application', 'createdByDisplayName', 'expirationTime', 'generateAlert', 'title', 'indicatorValue',
  'indicatorType', 'creationTimeDateTimeUtc', 'createdBy', 'action', 'severity',
];
const DATE_FIELDS = ['expirationTime', 'creationTimeDateTimeUtc'];
const STATS_ONLY = ['orgPrevalence', 'orgFirstSeen', 'orgLastSeen', 'topFileNames'];
const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 429: 'TooManyRequests',
  500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
};

/** One HTTP server playing the legacy WDATP files API and the Defender indicators API, with in-memory state. */
export class FakeDefender {
  /** Every request received, in arrival order. */
  readonly requests: DefenderRequest[] = [];
  private readonly server: Server;
  private readonly opts: Required<Omit<FakeDefenderOptions, 'rateLimit'>> & { rateLimit: Required<RateLimits> | undefined };
  private baseUrl = '';
  private blockAnswer: BlockAnswer = '201-fileaction';
  private readonly blocked = new Map<string, FileAction>();
  private readonly actionHistory: FileAction[] = [];
  private readonly files: SeedFile[] = [];
  private readonly indicatorStore = new Map<string, Indicator>();
  private nextIndicatorId = 1001;
  private faults: PendingFault[] = [];
  private readonly hits = new Map<string, number[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: FakeDefenderOptions) {
    const limits = options.rateLimit === true ? {} : options.rateLimit || undefined;
    this.opts = {
      verify: options.verify,
      filesAudience: options.filesAudience ?? 'https://graph.microsoft.com',
      indicatorsAudience: options.indicatorsAudience ?? 'https://api.securitycenter.microsoft.com',
      filesBasePath: trimSlash(options.filesBasePath ?? '/testwdatppreview'),
      indicatorsBasePath: trimSlash(options.indicatorsBasePath ?? '/api'),
      checkPermissions: options.checkPermissions ?? true,
      unblockFileStatus: options.unblockFileStatus ?? 'Blocked',
      now: options.now ?? Date.now,
      rateLimit: limits && { perMinute: 100, perHour: 1500, importPerMinute: 30, ...limits },
    };
    if (this.opts.filesBasePath.toLowerCase() === this.opts.indicatorsBasePath.toLowerCase()) {
      throw new Error('filesBasePath and indicatorsBasePath must differ');
    }
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody('InternalServerError', String(err)));
      });
    });
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  async start(): Promise<void> {
    this.baseUrl = await listen(this.server);
  }

  /** Base URL of the legacy files API (DEFENDER_FILES_URL). */
  get filesUrl(): string {
    return this.baseUrl + this.opts.filesBasePath;
  }

  /** Base URL of the indicators API (DEFENDER_INDICATORS_URL). */
  get indicatorsUrl(): string {
    return this.baseUrl + this.opts.indicatorsBasePath;
  }

  /** Stops the server, dropping pending delayed answers. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await closeServer(this.server);
  }

  /** Chooses what legacy block/unblock answer. */
  setBlockAnswer(answer: BlockAnswer): void {
    this.blockAnswer = answer;
  }

  /** Makes the next `n` matching requests (after authentication) fail, stall or drop. */
  failNext(n: number, fault: DefenderFault): void {
    this.faults.push({ ...fault, remaining: n });
  }

  /** Adds file data answered by the file info and stats endpoints of both APIs. */
  seedFile(file: SeedFile): void {
    this.files.push({ ...file });
  }

  /** Stores an indicator as if someone had already submitted it. */
  seedIndicator(input: Record<string, unknown>, claims: Claims = { upn: 'seed@contoso.com', scp: 'Ti.ReadWrite' }): Indicator {
    const checked = validateIndicator(input);
    if ('code' in checked) throw new Error(`${checked.code}: ${checked.message}`);
    return this.upsertIndicator(checked, claims);
  }

  /** Requests whose method equals `method` and whose path matches `path`. */
  requestsTo(method: string, path: RegExp): DefenderRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  /** Forgets the recorded requests. */
  clear(): void {
    this.requests.length = 0;
  }

  /** Forgets requests, state, seeded files, faults and rate-limit counters. */
  reset(): void {
    this.clear();
    this.blocked.clear();
    this.actionHistory.length = 0;
    this.files.length = 0;
    this.indicatorStore.clear();
    this.faults = [];
    this.hits.clear();
    this.blockAnswer = '201-fileaction';
  }

  /** Every stored indicator, expired ones included. */
  indicators(): Indicator[] {
    return [...this.indicatorStore.values()].map((i) => structuredClone(i));
  }

  /** Every FileAction taken through the legacy API, oldest first. */
  fileActions(): FileAction[] {
    return this.actionHistory.map((a) => ({ ...a }));
  }

  /** Whether the legacy API currently has this SHA-1 blocked. */
  isBlocked(sha1: string): boolean {
    return this.blocked.has(sha1.toLowerCase());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const parsed = parseJson(raw);
    const rec: DefenderRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parsed === INVALID_JSON ? raw : parsed,
      claims: undefined,
      status: 0,
      at: this.opts.now(),
    };
    this.requests.push(rec);
    const located = this.locate(rec.method, url.pathname);
    if (!located) return this.fail(res, rec, { status: 404, code: 'NotFound', message: `No route for ${rec.method} ${url.pathname}` });
    const { api, route } = located;
    const audience = api === 'files' ? this.opts.filesAudience : this.opts.indicatorsAudience;
    const claims = await this.authenticate(req, audience);
    if (!claims) {
      return this.fail(res, rec, { status: 401, code: 'Unauthorized', message: 'Unauthorized (invalid or expired authorization header).', headers: { 'www-authenticate': 'Bearer' } });
    }
    rec.claims = claims;
    if (!(await this.applyFault(req, res, rec))) return;
    const limited = this.rateLimited(api, route.kind, claims);
    if (limited) return this.fail(res, rec, limited);
    const denied = this.permissionDenied(api, route.kind, claims);
    if (denied) return this.fail(res, rec, denied);
    if (rec.method === 'POST') {
      if (!String(req.headers['content-type'] ?? '').toLowerCase().includes('application/json')) {
        return this.fail(res, rec, { status: 415, code: 'UnsupportedMediaType', message: 'Content-Type must be application/json.' });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return this.fail(res, rec, { status: 400, code: 'InvalidRequestBody', message: 'Request body is incorrect' });
      }
    }
    await this.dispatch({ req, res, rec, api, route, claims });
  }

  private locate(method: string, path: string): { api: Api; route: Route } | undefined {
    const under = (base: string): string | undefined =>
      path.toLowerCase().startsWith(base.toLowerCase() + '/') ? path.slice(base.length) : undefined;
    const filesSub = under(this.opts.filesBasePath);
    if (filesSub !== undefined) {
      const route = matchRoute(method, filesSub, [
        ['POST', /^\/files\/([^/]+)\/block$/i, 'files:block'],
        ['POST', /^\/files\/([^/]+)\/unblock$/i, 'files:unblock'],
        ['GET', /^\/fileactions\/?$/i, 'files:fileactions'],
        ['GET', /^\/files\/([^/]+)\/stats\/?$/i, 'files:stats'],
        ['GET', /^\/files\/([^/]+)\/?$/i, 'files:file'],
      ]);
      return route && { api: 'files', route };
    }
    const indicatorsSub = under(this.opts.indicatorsBasePath);
    if (indicatorsSub !== undefined) {
      const route = matchRoute(method, indicatorsSub, [
        ['POST', /^\/indicators\/import$/i, 'indicators:import'],
        ['POST', /^\/indicators$/i, 'indicators:submit'],
        ['GET', /^\/indicators$/i, 'indicators:list'],
        ['DELETE', /^\/indicators\/([^/]+)$/i, 'indicators:delete'],
        ['GET', /^\/files\/([^/]+)\/stats$/i, 'indicators:stats'],
        ['GET', /^\/files\/([^/]+)$/i, 'indicators:file'],
      ]);
      return route && { api: 'indicators', route };
    }
    return undefined;
  }

  private async authenticate(req: IncomingMessage, audience: string): Promise<Claims | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    try {
      return await this.opts.verify(match[1], audience);
    } catch {
      return undefined;
    }
  }

  private async applyFault(req: IncomingMessage, res: ServerResponse, rec: DefenderRequest): Promise<boolean> {
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.matcher || f.matcher(rec.method, rec.path)));
    if (!fault) return true;
    fault.remaining -= 1;
    if (fault.delayMs) await this.sleep(fault.delayMs);
    if (fault.dropConnection) {
      rec.status = -1;
      req.socket.destroy();
      return false;
    }
    if (fault.status === undefined) return true;
    const headers: Record<string, string> = fault.retryAfterSec === undefined ? {} : { 'retry-after': String(fault.retryAfterSec) };
    this.fail(res, rec, {
      status: fault.status,
      code: fault.code ?? DEFAULT_CODES[fault.status] ?? 'BadRequest',
      message: fault.message ?? `Scripted ${fault.status}`,
      headers,
    });
    return false;
  }

  private rateLimited(api: Api, kind: Kind, claims: Claims): Failure | undefined {
    const limits = this.opts.rateLimit;
    if (api !== 'indicators' || !limits) return undefined;
    const key = `${str(claims.tid)}|${str(claims.appid ?? claims.azp)}|${kind}`;
    const now = this.opts.now();
    const stamps = (this.hits.get(key) ?? []).filter((t) => t > now - 3_600_000);
    const windows: Array<[number, number]> = kind === 'indicators:import'
      ? [[60_000, limits.importPerMinute]]
      : [[60_000, limits.perMinute], [3_600_000, limits.perHour]];
    for (const [span, limit] of windows) {
      const inWindow = stamps.filter((t) => t > now - span);
      if (inWindow.length >= limit) {
        const retryAfter = Math.max(1, Math.ceil((inWindow[inWindow.length - limit] + span - now) / 1000));
        this.hits.set(key, stamps);
        return {
          status: 429,
          code: 'TooManyRequests',
          message: `Rate limit of ${limit} calls per ${span / 60_000} minute(s) exceeded.`,
          headers: { 'retry-after': String(retryAfter) },
        };
      }
    }
    stamps.push(now);
    this.hits.set(key, stamps);
    return undefined;
  }

  private permissionDenied(api: Api, kind: Kind, claims: Claims): Failure | undefined {
    if (api !== 'indicators' || !this.opts.checkPermissions) return undefined;
    const needed = kind.startsWith('indicators:') && kind !== 'indicators:file' && kind !== 'indicators:stats'
      ? ['Ti.ReadWrite', 'Ti.ReadWrite.All']
      : ['File.Read.All'];
    const granted = [...str(claims.scp).split(' '), ...(Array.isArray(claims.roles) ? claims.roles.map(String) : [])];
    if (needed.some((p) => granted.includes(p))) return undefined;
    return { status: 403, code: 'Forbidden', message: `The token lacks any of the required permissions (${needed.join(', ')}).` };
  }

  private async dispatch(ctx: Ctx): Promise<void> {
    switch (ctx.route.kind) {
      case 'files:block':
      case 'files:unblock':
        return this.blockOrUnblock(ctx);
      case 'files:fileactions':
        return this.send(ctx, 200, { '@odata.context': `${this.filesUrl}/$metadata#FileActions`, value: [...this.blocked.values()] });
      case 'files:file':
      case 'indicators:file':
        return this.fileInfo(ctx);
      case 'files:stats':
      case 'indicators:stats':
        return this.fileStats(ctx);
      case 'indicators:submit':
        return this.submitIndicator(ctx);
      case 'indicators:import':
        return this.importIndicators(ctx);
      case 'indicators:list':
        return this.listIndicators(ctx);
      case 'indicators:delete':
        return this.deleteIndicator(ctx);
    }
  }

  private blockOrUnblock(ctx: Ctx): void {
    const sha1 = decodeURIComponent(ctx.route.param ?? '');
    if (!HEX[40].test(sha1)) return this.fail(ctx.res, ctx.rec, invalidHash(sha1));
    const body = ctx.rec.body as Record<string, unknown>;
    if (body.Comment === undefined || body.Comment === null || body.Comment === '') {
      return this.fail(ctx.res, ctx.rec, missing('Comment'));
    }
    if (typeof body.Comment !== 'string') return this.fail(ctx.res, ctx.rec, badBody());
    const now = dotnetUtc(this.opts.now());
    const who = `${requestorOf(ctx.claims)} `;
    const key = sha1.toLowerCase();
    const block = ctx.route.kind === 'files:block';
    const action: FileAction = {
      fileIdentifier: key,
      fileIdentifierType: 'Sha1',
      actionType: block ? 'Block' : 'UnBlock',
      fileStatus: block ? 'Blocked' : this.opts.unblockFileStatus,
      creationDateTimeUtc: now,
      requestor: who,
      requestorComment: body.Comment,
      cancellationDateTimeUtc: block ? null : now,
      cancellationRequestor: block ? null : who,
      cancellationComment: block ? null : body.Comment,
      lastUpdateDateTimeUtc: now,
      requestSource: 'PublicApi',
    };
    if (block) this.blocked.set(key, action);
    else this.blocked.delete(key);
    this.actionHistory.push(action);
    if (this.blockAnswer === '200-empty') return this.send(ctx, 200, undefined);
    this.send(ctx, 201, action);
  }

  private findFile(id: string): SeedFile | undefined {
    const key = decodeURIComponent(id).toLowerCase();
    return this.files.find((f) => [f.sha1, f.sha256, f.md5].some((h) => h?.toLowerCase() === key));
  }

  private fileInfo(ctx: Ctx): void {
    const file = this.findFile(ctx.route.param ?? '');
    if (!file) return this.fail(ctx.res, ctx.rec, notFound(`File ${ctx.route.param} was not found`));
    const info = Object.fromEntries(Object.entries(file).filter(([k]) => !STATS_ONLY.includes(k)));
    const base = ctx.api === 'files' ? this.filesUrl : this.indicatorsUrl;
    this.send(ctx, 200, { '@odata.context': `${base}/$metadata#Files/$entity`, ...info });
  }

  private fileStats(ctx: Ctx): void {
    const file = this.findFile(ctx.route.param ?? '');
    if (!file) return this.fail(ctx.res, ctx.rec, notFound(`File ${ctx.route.param} was not found`));
    const context = (base: string): string => `${base}/$metadata#microsoft.windowsDefenderATP.api.InOrgFileStats`;
    if (ctx.api === 'files') {
      return this.send(ctx, 200, {
        '@odata.context': context(this.filesUrl),
        sha1: file.sha1,
        orgPrevalence: String(file.orgPrevalence ?? 0),
        orgFirstSeen: file.orgFirstSeen ?? null,
        orgLastSeen: file.orgLastSeen ?? null,
        topFileNames: file.topFileNames ?? [],
      });
    }
    const lookBack = ctx.rec.query.lookBackHours;
    if (lookBack !== undefined && !(/^\d+$/.test(lookBack) && Number(lookBack) >= 1 && Number(lookBack) <= 720)) {
      return this.fail(ctx.res, ctx.rec, { status: 400, code: 'InvalidInput', message: `Invalid input lookBackHours=${lookBack} (max 720).` });
    }
    this.send(ctx, 200, {
      '@odata.context': context(this.indicatorsUrl),
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

  private submitIndicator(ctx: Ctx): void {
    const checked = validateIndicator(ctx.rec.body as Record<string, unknown>);
    if ('code' in checked) return this.fail(ctx.res, ctx.rec, checked);
    const indicator = this.upsertIndicator(checked, ctx.claims);
    this.send(ctx, 200, { '@odata.context': `${this.indicatorsUrl}/$metadata#Indicators/$entity`, ...indicator });
  }

  private importIndicators(ctx: Ctx): void {
    const list = (ctx.rec.body as Record<string, unknown>).Indicators;
    if (list === undefined || list === null) return this.fail(ctx.res, ctx.rec, missing('Indicators'));
    if (!Array.isArray(list)) return this.fail(ctx.res, ctx.rec, badBody());
    if (list.length > 500) {
      return this.fail(ctx.res, ctx.rec, {
        status: 400,
        code: 'MaximumBatchSizeExceeded',
        message: `Maximum batch size exceeded. Received: ${list.length}, allowed: 500.`,
      });
    }
    const value = list.map((item: unknown) => {
      const input = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      const checked = validateIndicator(input);
      const indicator = typeof input.indicatorValue === 'string' ? input.indicatorValue : null;
      if ('code' in checked) return { id: null, indicator, isFailed: true, failureReason: checked.message };
      return { id: this.upsertIndicator(checked, ctx.claims).id, indicator, isFailed: false, failureReason: null };
    });
    this.send(ctx, 200, { value });
  }

  private listIndicators(ctx: Ctx): void {
    const { $filter: filter, $top: top, $skip: skip } = ctx.rec.query;
    let predicate: (i: Indicator) => boolean = () => true;
    try {
      if (filter !== undefined) predicate = parseFilter(filter);
    } catch (err) {
      return this.fail(ctx.res, ctx.rec, { status: 400, code: 'ODataError', message: (err as Error).message });
    }
    const count = (raw: string | undefined, fallback: number, max: number, name: string): number | Failure => {
      if (raw === undefined) return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) > max) {
        return { status: 400, code: 'ODataError', message: `Invalid value '${raw}' for ${name}.` };
      }
      return Number(raw);
    };
    const topN = count(top, 10_000, 10_000, '$top');
    const skipN = count(skip, 0, Number.MAX_SAFE_INTEGER, '$skip');
    if (typeof topN !== 'number') return this.fail(ctx.res, ctx.rec, topN);
    if (typeof skipN !== 'number') return this.fail(ctx.res, ctx.rec, skipN);
    const now = this.opts.now();
    const active = [...this.indicatorStore.values()].filter((i) => !i.expirationTime || Date.parse(i.expirationTime) > now);
    const value = active.filter(predicate).slice(skipN, skipN + topN);
    this.send(ctx, 200, { '@odata.context': `${this.indicatorsUrl}/$metadata#Indicators`, value });
  }

  private deleteIndicator(ctx: Ctx): void {
    const id = decodeURIComponent(ctx.route.param ?? '');
    const entry = [...this.indicatorStore.entries()].find(([, i]) => i.id === id);
    if (!entry) return this.fail(ctx.res, ctx.rec, notFound(`Indicator ${id} was not found`));
    this.indicatorStore.delete(entry[0]);
    this.send(ctx, 204, undefined);
  }

  private upsertIndicator(input: IndicatorInput, claims: Claims): Indicator {
    const key = `${input.indicatorType}|${input.indicatorValue.toLowerCase()}`;
    const now = dotnetUtc(this.opts.now());
    const who = identityOf(claims);
    const existing = this.indicatorStore.get(key);
    const indicator: Indicator = {
      id: existing?.id ?? String(this.nextIndicatorId++),
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
    this.indicatorStore.set(key, indicator);
    return structuredClone(indicator);
  }

  private send(ctx: Ctx, status: number, body: unknown): void {
    ctx.rec.status = status;
    if (!ctx.res.destroyed) sendJson(ctx.res, status, body);
  }

  private fail(res: ServerResponse, rec: DefenderRequest, failure: Failure): void {
    rec.status = failure.status;
    if (!res.destroyed) sendJson(res, failure.status, errorBody(failure.code, failure.message), failure.headers);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

interface IndicatorInput {
  indicatorValue: string;
  indicatorType: string;
  action: string;
  title: string;
  description: string;
  application: string | null;
  severity: string;
  recommendedActions: string | null;
  expirationTime: string | null;
  rbacGroupNames: string[];
  generateAlert: boolean;
  educateUrl: string | null;
}

const INVALID_JSON = Symbol('invalid-json');

function validateIndicator(body: Record<string, unknown>): IndicatorInput | Failure {
  for (const name of ['indicatorValue', 'indicatorType', 'action', 'title', 'description']) {
    if (body[name] === undefined || body[name] === null || body[name] === '') return missing(name);
    if (typeof body[name] !== 'string') return badBody();
  }
  const value = body.indicatorValue as string;
  const type = body.indicatorType as string;
  const action = body.action as string;
  if (!INDICATOR_TYPES.includes(type) || !ACTIONS.includes(action)) return badBody();
  const severity = body.severity ?? 'Informational';
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) return badBody();
  const valueProblem = checkValue(type, value);
  if (valueProblem) return valueProblem;
  const generateAlert = body.generateAlert ?? false;
  if (typeof generateAlert !== 'boolean') return badBody();
  if (action === 'Audit' && !generateAlert) {
    return { status: 400, code: 'InvalidInput', message: 'Invalid input generateAlert: must be true for the Audit action.' };
  }
  const expiration = body.expirationTime ?? null;
  if (expiration !== null && (typeof expiration !== 'string' || Number.isNaN(Date.parse(expiration)))) return badBody();
  const groups = body.rbacGroupNames ?? [];
  const rbacGroupNames = typeof groups === 'string' ? groups.split(',').map((g) => g.trim()).filter(Boolean) : groups;
  if (!Array.isArray(rbacGroupNames) || rbacGroupNames.some((g) => typeof g !== 'string')) return badBody();
  const optional = (name: string): string | null | Failure => {
    const v = body[name] ?? null;
    return v === null || typeof v === 'string' ? v : badBody();
  };
  const application = optional('application');
  const recommendedActions = optional('recommendedActions');
  const educateUrl = optional('educateUrl');
  for (const v of [application, recommendedActions, educateUrl]) if (v !== null && typeof v === 'object') return v;
  return {
    indicatorValue: value,
    indicatorType: type,
    action,
    title: body.title as string,
    description: body.description as string,
    application: application as string | null,
    severity,
    recommendedActions: recommendedActions as string | null,
    expirationTime: expiration as string | null,
    rbacGroupNames: rbacGroupNames as string[],
    generateAlert,
    educateUrl: educateUrl as string | null,
  };
}

function checkValue(type: string, value: string): Failure | undefined {
  const hexLength: Record<string, 32 | 40 | 64> = { FileSha1: 40, FileSha256: 64, FileMd5: 32, CertificateThumbprint: 40 };
  if (type in hexLength) return HEX[hexLength[type]].test(value) ? undefined : invalidHash(value);
  if (type === 'IpAddress' && !isIP(value)) return { status: 400, code: 'InvalidIpAddress', message: `IP address ${value} is invalid.` };
  if (type === 'DomainName' && !/^(?=.{1,253}$)([a-z0-9](-*[a-z0-9])*\.)+[a-z]{2,}$/i.test(value)) {
    return { status: 400, code: 'InvalidDomainName', message: `Domain name ${value} is invalid.` };
  }
  if (type === 'Url' && !/^([a-z][a-z0-9+.-]*:\/\/)?[^\s/]+\.[^\s/]+(\/\S*)?$/i.test(value)) {
    return { status: 400, code: 'InvalidUrl', message: `URL ${value} is invalid.` };
  }
  return undefined;
}

type Token = { t: 'str' | 'word' | 'lp' | 'rp'; v: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c === '(' ? 'lp' : 'rp', v: c });
      i += 1;
    } else if (c === "'") {
      let v = '';
      i += 1;
      for (;;) {
        if (i >= filter.length) throw new Error('Unterminated string literal in $filter.');
        if (filter[i] === "'" && filter[i + 1] === "'") {
          v += "'";
          i += 2;
        } else if (filter[i] === "'") {
          i += 1;
          break;
        } else {
          v += filter[i];
          i += 1;
        }
      }
      tokens.push({ t: 'str', v });
    } else {
      const m = /^[^\s()']+/.exec(filter.slice(i));
      if (!m) throw new Error(`Unexpected character '${c}' in $filter.`);
      tokens.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

function parseFilter(filter: string): (i: Indicator) => boolean {
  const tokens = tokenize(filter);
  let pos = 0;
  const peekWord = (w: string): boolean => tokens[pos]?.t === 'word' && tokens[pos].v === w;
  const parseOr = (): ((i: Indicator) => boolean) => {
    let left = parseAnd();
    while (peekWord('or')) {
      pos += 1;
      const l = left;
      const r = parseAnd();
      left = (i) => l(i) || r(i);
    }
    return left;
  };
  const parseAnd = (): ((i: Indicator) => boolean) => {
    let left = parseTerm();
    while (peekWord('and')) {
      pos += 1;
      const l = left;
      const r = parseTerm();
      left = (i) => l(i) && r(i);
    }
    return left;
  };
  const parseTerm = (): ((i: Indicator) => boolean) => {
    const first = tokens[pos];
    if (first?.t === 'lp') {
      pos += 1;
      const inner = parseOr();
      if (tokens[pos]?.t !== 'rp') throw new Error("Expected ')' in $filter.");
      pos += 1;
      return inner;
    }
    const [field, op, literal] = [tokens[pos], tokens[pos + 1], tokens[pos + 2]];
    if (field?.t !== 'word' || op?.t !== 'word' || !literal || (literal.t !== 'str' && literal.t !== 'word')) {
      throw new Error(`Syntax error at position ${pos} in $filter '${filter}'.`);
    }
    if (!FILTERABLE.includes(field.v)) throw new Error(`Property '${field.v}' is not filterable.`);
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op.v)) throw new Error(`Operator '${op.v}' is not supported.`);
    pos += 3;
    const expected = literalValue(literal);
    const compare = comparator(op.v);
    return (i) => {
      const actual = (i as unknown as Record<string, unknown>)[field.v];
      if (DATE_FIELDS.includes(field.v) && typeof actual === 'string' && typeof expected === 'string') {
        return compare(Date.parse(actual), Date.parse(expected));
      }
      return compare(actual, expected);
    };
  };
  const predicate = parseOr();
  if (pos !== tokens.length) throw new Error(`Unexpected '${tokens[pos].v}' in $filter.`);
  return predicate;
}

function literalValue(token: Token): unknown {
  if (token.t === 'str') return token.v;
  if (token.v === 'true' || token.v === 'false') return token.v === 'true';
  if (token.v === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token.v)) return Number(token.v);
  if (!Number.isNaN(Date.parse(token.v)) && /^\d{4}-\d{2}-\d{2}/.test(token.v)) return token.v;
  throw new Error(`Invalid literal '${token.v}' in $filter.`);
}

function comparator(op: string): (a: unknown, b: unknown) => boolean {
  switch (op) {
    case 'eq': return (a, b) => a === b;
    case 'ne': return (a, b) => a !== b;
    case 'gt': return (a, b) => a !== null && b !== null && (a as number) > (b as number);
    case 'ge': return (a, b) => a !== null && b !== null && (a as number) >= (b as number);
    case 'lt': return (a, b) => a !== null && b !== null && (a as number) < (b as number);
    default: return (a, b) => a !== null && b !== null && (a as number) <= (b as number);
  }
}

function matchRoute(method: string, sub: string, table: Array<[string, RegExp, Kind]>): Route | undefined {
  for (const [m, re, kind] of table) {
    const hit = re.exec(sub);
    if (hit && m === method) return { kind, param: hit[1] };
  }
  return undefined;
}

function identityOf(claims: Claims): { id: string; source: string; displayName: string; sourceType: 'User' | 'AadApp' } {
  if (claims.scp !== undefined) {
    const upn = requestorOf(claims);
    return { id: upn, source: upn, displayName: str(claims.name) || upn, sourceType: 'User' };
  }
  const app = str(claims.appid ?? claims.azp);
  const name = str(claims.app_displayname) || app;
  return { id: app, source: name, displayName: name, sourceType: 'AadApp' };
}

function requestorOf(claims: Claims): string {
  return str(claims.upn ?? claims.preferred_username ?? claims.unique_name ?? claims.appid ?? claims.azp);
}

function errorBody(code: string, message: string): { error: { code: string; message: string; target: string } } {
  return { error: { code, message, target: randomUUID() } };
}

function missing(name: string): Failure {
  return { status: 400, code: 'MissingRequiredParameter', message: `Parameter ${name} is missing.` };
}

function badBody(): Failure {
  return { status: 400, code: 'InvalidRequestBody', message: 'Request body is incorrect' };
}

function invalidHash(value: string): Failure {
  return { status: 400, code: 'InvalidHashValue', message: `Hash value ${value} is invalid.` };
}

function notFound(message: string): Failure {
  return { status: 404, code: 'NotFound', message };
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return INVALID_JSON;
  }
}

function dotnetUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, millis: string) => `.${millis}0000Z`);
}

function trimSlash(path: string): string {
  return '/' + path.replace(/^\/+|\/+$/g, '');
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}
