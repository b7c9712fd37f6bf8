import { FakeGraph } from './fake-graph';
import { callJson } from './http-json';
import { analystToken, createTestSigner, type TestSigner } from './test-signer';

const GRAPH = 'https://graph.microsoft.com';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const SECURITY_ADMIN = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let signer: TestSigner;

beforeAll(async () => {
  signer = await createTestSigner();
});

describe('FakeGraph', () => {
  let graph: FakeGraph;
  const rolesUrl = () => `${graph.url}/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole`;

  beforeEach(async () => {
    graph = new FakeGraph({ verify: signer.verify, pageSize: 1 });
    await graph.start();
  });
  afterEach(() => graph.close());

  it('pages the caller’s directory roles by oid, with nextLink back to the fake', async () => {
    graph.setRoles('oid-analyst', [GLOBAL_ADMIN, SECURITY_ADMIN]);
    graph.setRoles('oid-other', []);
    const token = await analystToken(signer, GRAPH, 'User.Read');
    const page1 = await callJson(rolesUrl(), token);
    const page2 = await callJson(page1.json['@odata.nextLink'], token);
    expect(page1.json.value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.directoryRole', displayName: 'Global Administrator', roleTemplateId: GLOBAL_ADMIN }),
    ]);
    expect(page1.json['@odata.nextLink'].startsWith(graph.url)).toBe(true);
    expect(page2.json.value.map((r: { roleTemplateId: string }) => r.roleTemplateId)).toEqual([SECURITY_ADMIN]);
    expect(page2.json['@odata.nextLink']).toBeUndefined();
    expect(page2.json.value[0].id).toMatch(UUID);
    expect(page2.json.value[0].id).not.toBe(SECURITY_ADMIN);
    expect(graph.requests.map((r) => r.claims?.oid)).toEqual(['oid-analyst', 'oid-analyst']);
  });

  it('fails in Graph’s error shape and refuses app-only tokens on /me', async () => {
    const token = await analystToken(signer, GRAPH, 'User.Read');
    graph.failNext(1, 503);
    const unavailable = await callJson(rolesUrl(), token);
    const appOnly = await callJson(rolesUrl(), await signer.mint(GRAPH, { oid: 'app-sp', roles: ['Directory.Read.All'] }));
    const noBearer = await callJson(rolesUrl(), undefined);
    expect(unavailable.status).toBe(503);
    expect(unavailable.json.error).toMatchObject({ code: 'serviceNotAvailable', innerError: { 'request-id': expect.stringMatching(UUID) } });
    expect([appOnly.status, appOnly.json.error.code]).toEqual([400, 'BadRequest']);
    expect([noBearer.status, noBearer.json.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });
});
