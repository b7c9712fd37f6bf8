import { generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';

/** Signs test tokens with a fresh RS256 key and verifies them the way the fakes' `verify` option expects. */
export interface TestSigner {
  mint(audience: string, claims: Record<string, unknown>): Promise<string>;
  verify(token: string, audience: string): Promise<Record<string, unknown>>;
}

/** A delegated token for Ana Lyst (Analyst@contoso.com, oid-analyst, tenant-1) with the given scopes. */
export function analystToken(signer: TestSigner, audience: string, scp: string): Promise<string> {
  return signer.mint(audience, { oid: 'oid-analyst', upn: 'Analyst@contoso.com', name: 'Ana Lyst', tid: 'tenant-1', azp: 'bot-client', scp });
}

/** A signer with a key pair of its own. */
export async function createTestSigner(): Promise<TestSigner> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return {
    mint: (audience, claims) => sign(privateKey, audience, claims),
    verify: async (token, audience) => (await jwtVerify(token, publicKey, { audience })).payload,
  };
}

function sign(key: KeyLike, audience: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setAudience(audience).setIssuedAt().setExpirationTime('1h').sign(key);
}
