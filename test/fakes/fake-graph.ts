import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson } from './http-json';

/** Verified token claims. */
export type GraphClaims = Record<string, unknown>;

/** Options of the fake Microsoft Graph server. */
export interface FakeGraphOptions {
  verify: (token: string, audience: string) => Promise<GraphClaims>;
  audience?: string;
  /** Items per page when the caller sends no `$top` (Graph's default is 100). */
  pageSize?: number;
}

/** A request as the fake received and answered it. */
export interface GraphRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  claims: GraphClaims | undefined;
  status: number;
  at: number;
}

/** A directoryRole object as Graph returns it. */
export interface DirectoryRole {
  '@odata.type': '#microsoft.graph.directoryRole';
  id: string;
  deletedDateTime: null;
  description: string;
  displayName: string;
  roleTemplateId: string;
}

/** Profile fields answered by GET /v1.0/me (defaults come from the token's claims). */
export interface GraphUser {
  displayName?: string;
  userPrincipalName?: string;
  mail?: string | null;
}

/** A scripted Graph failure. */
export interface GraphFault {
  code?: string;
  message?: string;
  retryAfterSec?: number;
  matcher?: (method: string, path: string) => boolean;
}

interface Failure {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

const ROLES_PATH = '/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole';
const READ_SCOPES = [
  'User.Read',
  'User.ReadBasic.All',
  'User.Read.All',
  'GroupMember.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.Read.All',
];
const KNOWN_ROLES: Record<string, [string, string]> = {
  '62e90394-69f5-4237-9190-012177145e10': ['Global Administrator', 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.'],
  '194ae4cb-b126-40b2-bd5b-6091b380977d': ['Security Administrator', 'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.'],
  '5d6b6bb7-de71-4623-b4af-96380a352509': ['Security Reader', 'Can read security information and reports in Microsoft Entra ID and Office 365.'],
  '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f': ['Security Operator', 'Creates and manages security events.'],
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': ['Global Reader', 'Can read everything that a Global Administrator can, but not update anything.'],
  'fe930be7-5e62-47db-91af-98c3a49a38b1': ['User Administrator', 'Can manage all aspects of users and groups, including resetting passwords for limited admins.'],
};
const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  429: 'TooManyRequests',
  500: 'UnknownError',
  502: 'BadGateway',
  503: 'serviceNotAvailable',
  504: 'GatewayTimeout',
};

/** Microsoft Graph fake answering the signed-in user's directory roles and profile. */
export class FakeGraph {
  /** Every request received, in arrival order. */
  readonly requests: GraphRequest[] = [];
  private readonly server: Server;
  private readonly audience: string;
  private readonly pageSize: number;
  private readonly roleIds = new Map<string, string>();
  private readonly assignments = new Map<string, string[]>();
  private readonly users = new Map<string, GraphUser>();
  private faults: Array<GraphFault & { remaining: number; status: number }> = [];
  private stalls: Array<{ remaining: number; ms: number }> = [];
  private readonly stallTimers = new Set<NodeJS.Timeout>();
  private base = '';

  constructor(private readonly options: FakeGraphOptions) {
    this.audience = options.audience ?? 'https://graph.microsoft.com';
    this.pageSize = options.pageSize ?? 100;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, graphError('UnknownError', String(err), req));
      });
    });
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  async start(): Promise<void> {
    this.base = await listen(this.server);
  }

  /** Base URL, without version segment (what the bot's Graph base URL is set to). */
  get url(): string {
    return this.base;
  }

  /** Stops the server. */
  close(): Promise<void> {
    for (const timer of this.stallTimers) clearTimeout(timer);
    this.stallTimers.clear();
    return closeServer(this.server);
  }

  /** Assigns (replaces) the active directory roles, by roleTemplateId, of the user with this object id. */
  setRoles(oid: string, roleTemplateIds: string[]): void {
    this.assignments.set(oid, [...roleTemplateIds]);
  }

  /** Sets the profile GET /v1.0/me answers for this object id. */
  setUser(oid: string, user: GraphUser): void {
    this.users.set(oid, { ...user });
  }

  /** Makes the next `n` matching requests (after authentication) fail with `status` in Graph's error shape. */
  failNext(n: number, status: number, fault: GraphFault = {}): void {
    this.faults.push({ ...fault, status, remaining: n });
  }

  /** Holds the answer to the next `n` requests for `ms` (longer than the caller's timeout, it never arrives in time). */
  stallNext(n: number, ms: number): void {
    this.stalls.push({ remaining: n, ms });
  }

  /** Requests whose method equals `method` and whose path matches `path`. */
  requestsTo(method: string, path: RegExp): GraphRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  /** Forgets the recorded requests. */
  clear(): void {
    this.requests.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rec: GraphRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: await readBody(req),
      claims: undefined,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(rec);
    const stall = this.stalls.find((s) => s.remaining > 0);
    if (stall) {
      stall.remaining -= 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (this.stallTimers.delete(timer), resolve()), stall.ms);
        this.stallTimers.add(timer);
      });
    }
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      rec.status = status;
      if (!res.destroyed) sendJson(res, status, body, { 'request-id': randomUUID(), ...headers });
    };
    const fail = (f: Failure): void => answer(f.status, graphError(f.code, f.message, req), f.headers);
    const auth = await this.authenticate(req);
    if ('failure' in auth) return fail(auth.failure);
    const { claims } = auth;
    rec.claims = claims;
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.matcher || f.matcher(rec.method, rec.path)));
    if (fault) {
      fault.remaining -= 1;
      const headers = fault.retryAfterSec === undefined ? undefined : { 'retry-after': String(fault.retryAfterSec) };
      return fail({
        status: fault.status,
        code: fault.code ?? DEFAULT_CODES[fault.status] ?? 'UnknownError',
        message: fault.message ?? `Scripted ${fault.status}`,
        headers,
      });
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (rec.method !== 'GET' || (path !== ROLES_PATH && path !== '/v1.0/me')) {
      return fail({ status: 400, code: 'BadRequest', message: `Resource not found for the segment '${path.split('/').pop()}'.` });
    }
    if (claims.scp === undefined) {
      return fail({ status: 400, code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' });
    }
    const oid = typeof claims.oid === 'string' ? claims.oid : '';
    if (!oid) return fail({ status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' });
    const scopes = String(claims.scp).split(' ');
    if (!READ_SCOPES.some((s) => scopes.includes(s))) {
      return fail({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    }
    if (path === '/v1.0/me') return answer(200, this.me(oid, claims));
    const result = this.rolesPage(oid, rec.query);
    if ('failure' in result) return fail(result.failure);
    answer(200, result.page);
  }

  private async authenticate(req: IncomingMessage): Promise<{ claims: GraphClaims } | { failure: Failure }> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const headers = { 'www-authenticate': 'Bearer' };
    if (!match) return { failure: { status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.', headers } };
    try {
      return { claims: await this.options.verify(match[1], this.audience) };
    } catch {
      return { failure: { status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure.', headers } };
    }
  }

  private me(oid: string, claims: GraphClaims): Record<string, unknown> {
    const user = this.users.get(oid) ?? {};
    const upn = String(claims.upn ?? claims.preferred_username ?? '');
    return {
      '@odata.context': `${this.base}/v1.0/$metadata#users/$entity`,
      id: oid,
      displayName: user.displayName ?? String(claims.name ?? upn),
      userPrincipalName: user.userPrincipalName ?? upn,
      mail: user.mail === undefined ? upn || null : user.mail,
    };
  }

  private rolesPage(oid: string, query: Record<string, string>): { page: Record<string, unknown> } | { failure: Failure } {
    let top = this.pageSize;
    if (query.$top !== undefined) {
      if (!/^\d+$/.test(query.$top) || Number(query.$top) < 1 || Number(query.$top) > 999) {
        const message = `Invalid page size specified: '${query.$top}'. Must be between 1 and 999 inclusive.`;
        return { failure: { status: 400, code: 'Request_UnsupportedQuery', message } };
      }
      top = Number(query.$top);
    }
    let offset = 0;
    if (query.$skiptoken !== undefined) {
      const decoded = decodeSkipToken(query.$skiptoken);
      if (!decoded || decoded.oid !== oid) {
        return { failure: { status: 400, code: 'Directory_InvalidSkipToken', message: 'The specified page token value has expired or is invalid.' } };
      }
      offset = decoded.offset;
    }
    const roles = (this.assignments.get(oid) ?? []).map((t) => this.role(t));
    const value = roles.slice(offset, offset + top);
    const body: Record<string, unknown> = { '@odata.context': `${this.base}/v1.0/$metadata#directoryRoles` };
    if (offset + top < roles.length) {
      const token = encodeSkipToken(oid, offset + top);
      const params = new URLSearchParams({ ...(query.$top === undefined ? {} : { $top: query.$top }), $skiptoken: token });
      body['@odata.nextLink'] = `${this.base}${ROLES_PATH}?${params.toString()}`;
    }
    body.value = value;
    return { page: body };
  }

  private role(templateId: string): DirectoryRole {
    let id = this.roleIds.get(templateId);
    if (!id) {
      id = randomUUID();
      this.roleIds.set(templateId, id);
    }
    const [displayName, description] = KNOWN_ROLES[templateId] ?? [`Custom role ${templateId.slice(0, 8)}`, 'A directory role.'];
    return { '@odata.type': '#microsoft.graph.directoryRole', id, deletedDateTime: null, description, displayName, roleTemplateId: templateId };
  }
}

function graphError(code: string, message: string, req: IncomingMessage): Record<string, unknown> {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': randomUUID(),
        'client-request-id': String(req.headers['client-request-id'] ?? randomUUID()),
      },
    },
  };
}

function encodeSkipToken(oid: string, offset: number): string {
  return 'RFNwdAIAAQAAA' + Buffer.from(JSON.stringify({ oid, offset })).toString('base64url');
}

function decodeSkipToken(token: string): { oid: string; offset: number } | undefined {
  if (!token.startsWith('RFNwdAIAAQAAA')) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token.slice(13), 'base64url').toString('utf8')) as { oid?: unknown; offset?: unknown };
    return typeof parsed.oid === 'string' && typeof parsed.offset === 'number' ? { oid: parsed.oid, offset: parsed.offset } : undefined;
  } catch {
    return undefined;
  }
}
