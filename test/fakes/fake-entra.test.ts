import type { OnBehalfOfCredentialSecretOptions } from '@azure/identity';
import { ClientCertificateCredential, ClientSecretCredential, OnBehalfOfCredential } from '@azure/identity';
import { CONNECTOR_AUDIENCE } from './fake-connector';
import { FakeEntra } from './fake-entra';
import type { TestCa } from './test-ca';
import { createTestCa, trustTestCa } from './test-ca';
import { BOT_ID, BOT_SECRET, identityOptions, TENANT, USER_OID } from './test-identities';

const DEFENDER = 'https://api.securitycenter.microsoft.com';

function oboCredential(entra: FakeEntra, userAssertionToken: string): OnBehalfOfCredential {
  const options: OnBehalfOfCredentialSecretOptions & ReturnType<typeof identityOptions> = {
    tenantId: TENANT,
    clientId: BOT_ID,
    clientSecret: BOT_SECRET,
    userAssertionToken,
    ...identityOptions(entra),
  };
  return new OnBehalfOfCredential(options);
}

function userToken(entra: FakeEntra, overrides: { aud?: string; expiresInSec?: number } = {}): Promise<string> {
  return entra.mintUserToken({
    oid: USER_OID,
    upn: 'analyst@contoso.example',
    name: 'Ana Lyst',
    tid: TENANT,
    aud: overrides.aud ?? `api://botid-${BOT_ID}`,
    expiresInSec: overrides.expiresInSec,
  });
}

describe('FakeEntra with real @azure/identity over TLS', () => {
  let ca: TestCa;
  let entra: FakeEntra;
  let untrust: () => void;
  const clientCert = createTestCa().issue(['bot-client-cert']);

  beforeAll(async () => {
    ca = createTestCa();
    untrust = trustTestCa(ca.caPem);
    entra = await new FakeEntra({ ca }).start();
    entra.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET, certificatePem: clientCert.certPem, identifierUris: [`api://botid-${BOT_ID}`] });
  });

  afterAll(async () => {
    await entra.close();
    untrust();
  });

  beforeEach(() => entra.reset());

  test('ClientSecretCredential gets an app-only token', async () => {
    const credential = new ClientSecretCredential(TENANT, BOT_ID, BOT_SECRET, identityOptions(entra));
    const { token } = await credential.getToken(`${CONNECTOR_AUDIENCE}/.default`);
    const claims = await entra.verify(token, { audience: CONNECTOR_AUDIENCE });
    expect(claims).toMatchObject({ aud: CONNECTOR_AUDIENCE, appid: BOT_ID, azp: BOT_ID, tid: TENANT, iss: `${entra.url}/${TENANT}/v2.0` });
    expect(entra.requests).toEqual([expect.objectContaining({ grantType: 'client_credentials', clientId: BOT_ID, clientAuth: 'secret', status: 200 })]);
  });

  test('ClientCertificateCredential authenticates with a signed client assertion', async () => {
    const credential = new ClientCertificateCredential(TENANT, BOT_ID, { certificate: clientCert.certPem + clientCert.keyPem }, identityOptions(entra));
    const { token } = await credential.getToken('https://graph.microsoft.com/.default');
    const claims = await entra.verify(token, { audience: 'https://graph.microsoft.com' });
    expect(claims.appidacr).toBe('2');
    expect(entra.requests[0]).toMatchObject({ clientAuth: 'assertion', status: 200 });
  });

  test('OnBehalfOfCredential exchanges a user token for a delegated Defender token', async () => {
    const { token } = await oboCredential(entra, await userToken(entra)).getToken(`${DEFENDER}/.default`);
    const claims = await entra.verify(token, { audience: DEFENDER });
    expect(claims).toMatchObject({
      aud: DEFENDER,
      azp: BOT_ID,
      appid: BOT_ID,
      oid: USER_OID,
      tid: TENANT,
      upn: 'analyst@contoso.example',
      preferred_username: 'analyst@contoso.example',
      name: 'Ana Lyst',
      scp: 'user_impersonation',
    });
    expect(entra.oboCount(USER_OID)).toBe(1);
    expect(entra.requests[0]).toMatchObject({ assertionOid: USER_OID, grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' });
  });

  test('OBO scp follows the consented delegated permissions', async () => {
    const appId = 'c0ffee00-0000-4000-8000-000000000009';
    entra.registerApp({ clientId: appId, clientSecret: 'x', grantedScopes: { [DEFENDER]: ['Ti.ReadWrite', 'Machine.Read.All'] } });
    const assertion = await entra.mintUserToken({ oid: USER_OID, upn: 'a@b.example', name: 'A', tid: TENANT, aud: appId });
    const options = { tenantId: TENANT, clientId: appId, clientSecret: 'x', userAssertionToken: assertion, ...identityOptions(entra) };
    const { token } = await new OnBehalfOfCredential(options).getToken(`${DEFENDER}/.default`);
    expect((await entra.verify(token, { audience: DEFENDER })).scp).toBe('Ti.ReadWrite Machine.Read.All');
    const missing = new OnBehalfOfCredential(options).getToken('https://graph.microsoft.com/.default');
    await expect(missing).rejects.toThrow(/AADSTS65001/);
  });

  test('a wrong client secret is refused with AADSTS7000215 (401 invalid_client)', async () => {
    const credential = new ClientSecretCredential(TENANT, BOT_ID, 'not-the-secret', identityOptions(entra));
    await expect(credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).rejects.toThrow(/invalid_client.*AADSTS7000215/s);
    expect(entra.requests[0]).toMatchObject({ status: 401, error: 'invalid_client', errorCode: 7000215 });
  });

  test('an unknown client is refused with AADSTS700016', async () => {
    const credential = new ClientSecretCredential(TENANT, 'deadbeef-0000-4000-8000-000000000000', 'x', identityOptions(entra));
    await expect(credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).rejects.toThrow(/AADSTS700016/);
  });

  test('a scripted consent_required failure surfaces with its AADSTS code, for that user only', async () => {
    entra.failNext({ error: 'invalid_grant', aadsts: 65001, forOid: USER_OID });
    const failure = oboCredential(entra, await userToken(entra)).getToken(`${DEFENDER}/.default`);
    await expect(failure).rejects.toMatchObject({ name: 'AuthenticationRequiredError', message: expect.stringMatching(/^invalid_grant: AADSTS65001: /) });
    const { token } = await oboCredential(entra, await userToken(entra)).getToken(`${DEFENDER}/.default`);
    expect((await entra.verify(token, { audience: DEFENDER })).oid).toBe(USER_OID);
    expect(entra.requests.map((r) => r.errorCode ?? r.status)).toEqual([65001, 200]);
  });

  test('a scripted interaction_required failure carries its suberror in the AAD body', async () => {
    entra.failNext({ error: 'interaction_required', aadsts: 50076 });
    const res = await fetch(`${entra.url}/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'corr-1' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        requested_token_use: 'on_behalf_of',
        client_id: BOT_ID,
        client_secret: BOT_SECRET,
        assertion: await userToken(entra),
        scope: `${DEFENDER}/.default`,
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'interaction_required',
      error_description: expect.stringMatching(/^AADSTS50076: .*multi-factor/),
      error_codes: [50076],
      suberror: 'basic_action',
      correlation_id: 'corr-1',
      trace_id: expect.any(String),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
    });
  });

  test('OBO refuses a user token minted for another audience (AADSTS500131)', async () => {
    const assertion = await userToken(entra, { aud: 'api://someone-else' });
    await expect(oboCredential(entra, assertion).getToken(`${DEFENDER}/.default`)).rejects.toThrow(/AADSTS500131/);
    expect(entra.oboCount()).toBe(0);
  });

  test('OBO refuses an expired user token (AADSTS500133)', async () => {
    const assertion = await userToken(entra, { expiresInSec: -60 });
    await expect(oboCredential(entra, assertion).getToken(`${DEFENDER}/.default`)).rejects.toThrow(/AADSTS500133/);
  });

  test('a fake whose certificate is not from a trusted CA is rejected by TLS', async () => {
    const stranger = await new FakeEntra({ ca: createTestCa() }).start();
    try {
      stranger.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET });
      const credential = new ClientSecretCredential(TENANT, BOT_ID, BOT_SECRET, identityOptions(stranger));
      await expect(credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).rejects.toThrow(/endpoints_resolution_error/);
      const metadataPath = `/${TENANT}/v2.0/.well-known/openid-configuration`;
      const tlsFailure = await fetch(`${stranger.url}${metadataPath}`).catch((err: Error) => err.cause as NodeJS.ErrnoException);
      expect(tlsFailure).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      expect((await fetch(`${entra.url}${metadataPath}`)).status).toBe(200);
      expect(stranger.requests).toHaveLength(0);
    } finally {
      await stranger.close();
    }
  });
});
