import http from 'node:http';
import { GraphRoleDirectory } from '../../src/identity/graph-role-directory';
import { DirectoryRole } from '../../src/domain/roles';
import { closeServer, listen, sendJson } from '../fakes/http-json';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const caller = { userId: '29:u', aadObjectId: 'oid-1', name: 'Ana', tenantId: 't' };
const delegation = (token = 'graph-token') => ({ graph: async () => token, defender: async () => 'unused' });

describe('GraphRoleDirectory', () => {
  let server: http.Server;
  let url: string;
  let answers: Array<(res: http.ServerResponse) => void>;
  let seen: Array<{ path: string; auth?: string }>;

  beforeEach(async () => {
    answers = [];
    seen = [];
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization });
      (answers.shift() ?? ((r) => sendJson(r, 500, {})))(res);
    });
    url = await listen(server);
  });
  afterEach(() => closeServer(server));

  const page = (roles: string[], next?: string) => (res: http.ServerResponse) =>
    sendJson(res, 200, { value: roles.map((id) => ({ roleTemplateId: id, id: 'x' })), ...(next ? { '@odata.nextLink': next } : {}) });

  it('follows nextLink and sends the delegated token', async () => {
    answers.push(page([DirectoryRole.SecurityReader], `${url}/v1.0/next?$skiptoken=2`), page([DirectoryRole.SecurityAdministrator]));
    const directory = new GraphRoleDirectory({ graphUrl: url, cacheMs: 0, timeoutMs: 1000, logger: silent });
    const lookup = await directory.rolesOf(caller, delegation());
    expect(lookup).toEqual({ ok: true, roles: new Set([DirectoryRole.SecurityReader, DirectoryRole.SecurityAdministrator]) });
    expect(seen.map((s) => s.path)).toEqual(['/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole', '/v1.0/next?$skiptoken=2']);
    expect(seen.every((s) => s.auth === 'Bearer graph-token')).toBe(true);
  });

  it('refuses to send the token to a nextLink on another host (denies)', async () => {
    answers.push(page([DirectoryRole.SecurityReader], 'https://evil.example/v1.0/steal'));
    const directory = new GraphRoleDirectory({ graphUrl: url, cacheMs: 0, timeoutMs: 1000, logger: silent });
    const lookup = await directory.rolesOf(caller, delegation());
    expect(lookup.ok).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('fails closed on an error answer, and does not cache failures', async () => {
    answers.push((res) => sendJson(res, 503, { error: { code: 'serviceNotAvailable' } }), page([DirectoryRole.GlobalAdministrator]));
    const directory = new GraphRoleDirectory({ graphUrl: url, cacheMs: 60_000, timeoutMs: 1000, logger: silent });
    expect(await directory.rolesOf(caller, delegation())).toEqual({ ok: false, detail: 'Microsoft Graph answered HTTP 503 (serviceNotAvailable).' });
    expect(await directory.rolesOf(caller, delegation())).toEqual({ ok: true, roles: new Set([DirectoryRole.GlobalAdministrator]) });
  });

  it('reuses a lookup within the cache window and looks again after it (PIM activations show up)', async () => {
    let now = 0;
    answers.push(page([]), page([DirectoryRole.SecurityAdministrator]));
    const directory = new GraphRoleDirectory({ graphUrl: url, cacheMs: 30_000, timeoutMs: 1000, logger: silent }, () => now);
    expect(await directory.rolesOf(caller, delegation())).toEqual({ ok: true, roles: new Set() });
    now = 29_000;
    expect(await directory.rolesOf(caller, delegation())).toEqual({ ok: true, roles: new Set() });
    expect(seen).toHaveLength(1);
    now = 31_000;
    expect(await directory.rolesOf(caller, delegation())).toEqual({ ok: true, roles: new Set([DirectoryRole.SecurityAdministrator]) });
    expect(seen).toHaveLength(2);
  });
});
