import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorBody, fail, INVALID_JSON, parseJson, type Api, type Route } from './defender/exchange';
import { FaultScript, permissionDenied, RateLimitBook } from './defender/faults-and-limits';
import { validateIndicator } from './defender/indicator-input';
import { INDICATORS_ROUTES, upsertIndicator } from './defender/indicators-api';
import { LEGACY_FILES_ROUTES } from './defender/legacy-files-api';
import { MACHINES_ROUTES } from './defender/machines-api';
import type { DeviceRefusal, FakeActionStatus, FakeMachineAction, SeedDevice, UpdateTimeField } from './defender/machines-state';
import { DefenderState } from './defender/state';
import type { BlockAnswer, Claims, DefenderFault, DefenderRequest, FakeDefenderOptions, FileAction, Indicator, SeedFile } from './defender/types';
import { closeServer, listen, readBody, sendJson } from './http-json';

export type { DeviceRefusal, FakeActionStatus, FakeMachineAction, SeedDevice, UpdateTimeField } from './defender/machines-state';
export type { BlockAnswer, Claims, DefenderFault, DefenderRequest, FakeDefenderOptions, FileAction, Indicator, SeedFile } from './defender/types';

interface Settings {
  verify: FakeDefenderOptions['verify'];
  filesAudience: string;
  indicatorsAudience: string;
  filesBasePath: string;
  indicatorsBasePath: string;
  checkPermissions: boolean;
}

/** One HTTP server playing the legacy WDATP files API and the Defender indicators and machine APIs, with in-memory state. */
export class FakeDefender {
  /** Every request received, in arrival order. */
  readonly requests: DefenderRequest[] = [];
  private readonly server: Server;
  private readonly settings: Settings;
  private readonly state: DefenderState;
  private readonly faults = new FaultScript();
  private readonly limits: RateLimitBook | undefined;
  private baseUrl = '';
  private readonly waiters = new Set<() => void>();

  constructor(options: FakeDefenderOptions) {
    const now = options.now ?? Date.now;
    this.settings = {
      verify: options.verify,
      filesAudience: options.filesAudience ?? 'https://graph.microsoft.com',
      indicatorsAudience: options.indicatorsAudience ?? 'https://api.securitycenter.microsoft.com',
      filesBasePath: trimSlash(options.filesBasePath ?? '/testwdatppreview'),
      indicatorsBasePath: trimSlash(options.indicatorsBasePath ?? '/api'),
      checkPermissions: options.checkPermissions ?? true,
    };
    if (this.settings.filesBasePath.toLowerCase() === this.settings.indicatorsBasePath.toLowerCase()) {
      throw new Error('filesBasePath and indicatorsBasePath must differ');
    }
    const limits = options.rateLimit === true ? {} : options.rateLimit || undefined;
    this.limits = limits && new RateLimitBook(limits, now);
    this.state = new DefenderState({
      now,
      unblockFileStatus: options.unblockFileStatus ?? 'Blocked',
      filesUrl: () => this.filesUrl,
      indicatorsUrl: () => this.indicatorsUrl,
    });
    this.server = createServer((req, res) => {
      res.on('close', () => this.notify());
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
    return this.baseUrl + this.settings.filesBasePath;
  }

  /** Base URL of the indicators API (DEFENDER_INDICATORS_URL). */
  get indicatorsUrl(): string {
    return this.baseUrl + this.settings.indicatorsBasePath;
  }

  /** Stops the server, dropping pending delayed answers. */
  async close(): Promise<void> {
    this.faults.cancelDelays();
    await closeServer(this.server);
  }

  /** Chooses what legacy block/unblock answer. */
  setBlockAnswer(answer: BlockAnswer): void {
    this.state.blockAnswer = answer;
  }

  /** Makes the next `n` matching requests (after authentication) fail, stall or drop. */
  failNext(n: number, fault: DefenderFault): void {
    this.faults.add(n, fault);
  }

  /** Adds file data answered by the file info and stats endpoints of both APIs. */
  seedFile(file: SeedFile): void {
    this.state.files.push({ ...file });
  }

  /** Stores an indicator as if someone had already submitted it. */
  seedIndicator(input: Record<string, unknown>, claims: Claims = { upn: 'seed@contoso.com', scp: 'Ti.ReadWrite' }): Indicator {
    const checked = validateIndicator(input);
    if ('code' in checked) throw new Error(`${checked.code}: ${checked.message}`);
    return upsertIndicator(this.state, checked, claims);
  }

  /**
   * Devices on which the file was seen (answered by `GET /files/{sha1}/machines`, in this order). Given a
   * SeedFile not seeded yet, seeds it too, so `GET /files/{sha256|md5}` resolves it to its SHA-1.
   */
  seedDevices(file: SeedFile | string, devices: SeedDevice[]): void {
    const sha1 = (typeof file === 'string' ? file : file.sha1).toLowerCase();
    if (typeof file !== 'string' && !this.state.findFile(sha1)) this.seedFile(file);
    const { machines } = this.state;
    for (const device of devices) machines.devices.set(device.id, { ...device });
    const seen = machines.sightings.get(sha1) ?? [];
    machines.sightings.set(sha1, [...seen, ...devices.map((d) => d.id).filter((id) => !seen.includes(id))]);
  }

  /** Makes a seeded device refuse stop & quarantine (undefined: act normally again). */
  setDeviceRefusal(machineId: string, refusal: DeviceRefusal | undefined): void {
    const device = this.state.machines.devices.get(machineId);
    if (!device) throw new Error(`No seeded device ${machineId}`);
    device.refusal = refusal;
  }

  /** Sets a machine action's status now (as Defender would when the device reports). */
  setMachineActionStatus(actionId: string, status: FakeActionStatus): void {
    const action = this.state.machines.actions.get(actionId);
    if (!action) throw new Error(`No machine action ${actionId}`);
    this.state.machines.setStatus(action, status, new Date(this.state.now()).toISOString());
  }

  /** The next action created on `machineId` answers these statuses, one per `GET /machineactions/{id}`, then keeps the last. */
  scriptMachineAction(machineId: string, statuses: FakeActionStatus[]): void {
    this.state.machines.deviceScripts.set(machineId, [...statuses]);
  }

  /** Which spelling of the update time machine actions carry from now on (both appear in Defender's docs). */
  setUpdateTimeField(field: UpdateTimeField): void {
    this.state.machines.updateTimeField = field;
  }

  /** The next `n` stop & quarantine requests answer 429 TooManyRequests with this Retry-After. */
  throttleStopAndQuarantine(n: number, retryAfterSec: number): void {
    this.failNext(n, { status: 429, retryAfterSec, matcher: (method, path) => method === 'POST' && /\/StopAndQuarantineFile$/i.test(path) });
  }

  /** Every machine action taken, oldest first. */
  machineActions(): FakeMachineAction[] {
    return [...this.state.machines.actions.values()].map((a) => structuredClone(a));
  }

  /** Resolves with the matching requests once `n` of them have been answered (past or future); rejects after `timeoutMs`. */
  waitForRequests(method: string, path: RegExp, n: number, timeoutMs = 5000): Promise<DefenderRequest[]> {
    const probe = () => {
      const answered = this.requestsTo(method, path).filter((r) => r.status !== 0);
      return answered.length >= n ? answered : undefined;
    };
    const found = probe();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = probe();
        if (!hit) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`Timed out waiting for ${n} answered ${method} ${path} (saw ${this.requestsTo(method, path).length})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
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
    this.state.reset();
    this.faults.clear();
    this.limits?.clear();
  }

  /** Every stored indicator, expired ones included. */
  indicators(): Indicator[] {
    return [...this.state.indicators.values()].map((i) => structuredClone(i));
  }

  /** Every FileAction taken through the legacy API, oldest first. */
  fileActions(): FileAction[] {
    return this.state.actionHistory.map((a) => ({ ...a }));
  }

  /** Whether the legacy API currently has this SHA-1 blocked. */
  isBlocked(sha1: string): boolean {
    return this.state.blocked.has(sha1.toLowerCase());
  }

  /** Records, routes, authenticates, plays faults, applies limits and permissions, checks the body, then dispatches. */
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
      at: this.state.now(),
    };
    this.requests.push(rec);
    const located = this.locate(rec.method, url.pathname);
    if (!located) return fail(res, rec, { status: 404, code: 'NotFound', message: `No route for ${rec.method} ${url.pathname}` });
    const { api, route, param } = located;
    const audience = api === 'files' ? this.settings.filesAudience : this.settings.indicatorsAudience;
    const claims = await this.authenticate(req, audience);
    if (!claims) {
      return fail(res, rec, { status: 401, code: 'Unauthorized', message: 'Unauthorized (invalid or expired authorization header).', headers: { 'www-authenticate': 'Bearer' } });
    }
    rec.claims = claims;
    if (!(await this.faults.apply(req, res, rec))) return;
    const limited = this.limits?.check(route, claims);
    if (limited) return fail(res, rec, limited);
    const denied = this.settings.checkPermissions ? permissionDenied(route, claims) : undefined;
    if (denied) return fail(res, rec, denied);
    if (rec.method === 'POST') {
      if (
        !String(req.headers['content-type'] ?? '')
          .toLowerCase()
          .includes('application/json')
      ) {
        return fail(res, rec, { status: 415, code: 'UnsupportedMediaType', message: 'Content-Type must be application/json.' });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return fail(res, rec, { status: 400, code: 'InvalidRequestBody', message: 'Request body is incorrect' });
      }
    }
    route.handle({ req, res, rec, api, param, claims, state: this.state });
  }

  private locate(method: string, path: string): { api: Api; route: Route; param: string | undefined } | undefined {
    const surfaces: Array<[Api, string, readonly Route[]]> = [
      ['files', this.settings.filesBasePath, LEGACY_FILES_ROUTES],
      ['indicators', this.settings.indicatorsBasePath, [...INDICATORS_ROUTES, ...MACHINES_ROUTES]],
    ];
    for (const [api, base, routes] of surfaces) {
      if (!path.toLowerCase().startsWith(base.toLowerCase() + '/')) continue;
      const sub = path.slice(base.length);
      for (const route of routes) {
        const hit = route.path.exec(sub);
        if (hit && route.method === method) return { api, route, param: hit[1] };
      }
      return undefined;
    }
    return undefined;
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }

  private async authenticate(req: IncomingMessage, audience: string): Promise<Claims | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    try {
      return await this.settings.verify(match[1], audience);
    } catch {
      return undefined;
    }
  }
}

function trimSlash(path: string): string {
  return '/' + path.replace(/^\/+|\/+$/g, '');
}
