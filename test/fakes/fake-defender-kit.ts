import { generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import type { Logger, TokenSource } from '../../src/domain/ports';
import { DefenderHttp } from '../../src/defender/defender-http';
import type { RateLimiter } from '../../src/defender/rate-limiter';
import { FakeDefender, type FakeDefenderOptions } from './fake-defender';

/** Audience of the legacy files API tokens. */
export const FILES_AUDIENCE = 'https://graph.microsoft.com';
/** Audience of the indicators API tokens. */
export const INDICATORS_AUDIENCE = 'https://api.securitycenter.microsoft.com';

/** A started FakeDefender with tokens it accepts (signed by a key made for this kit) and a client factory. */
export interface DefenderKit {
  readonly fake: FakeDefender;
  /** A delegated token for the files API (Ana, User.Read). */
  readonly filesToken: TokenSource;
  /** A delegated token for the indicators API (Ana, Ti.ReadWrite File.Read.All). */
  readonly indicatorsToken: TokenSource;
  /** A delegated token for the Defender API (Ana) with these space-separated permissions in `scp`. */
  token(scp: string): TokenSource;
  /** A DefenderHttp with quick retries (no real sleeping) and, optionally, a given limiter. */
  http(limiter?: RateLimiter): DefenderHttp;
  /** Every retry pause the clients asked for, in ms. */
  readonly retrySleeps: number[];
  close(): Promise<void>;
}

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Starts a FakeDefender whose tokens are verified against a freshly generated RS256 key. */
export async function startDefenderKit(options: Omit<FakeDefenderOptions, 'verify'> = {}): Promise<DefenderKit> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const verify = async (token: string, audience: string) => (await jwtVerify(token, publicKey, { audience })).payload as Record<string, unknown>;
  const fake = new FakeDefender({ ...options, verify });
  await fake.start();
  const filesToken = await mint(privateKey, FILES_AUDIENCE, 'User.Read');
  const indicatorsToken = await mint(privateKey, INDICATORS_AUDIENCE, 'Ti.ReadWrite File.Read.All');
  const retrySleeps: number[] = [];
  return {
    fake,
    filesToken: async () => filesToken,
    indicatorsToken: async () => indicatorsToken,
    retrySleeps,
    token: (scp) => {
      const minted = mint(privateKey, INDICATORS_AUDIENCE, scp);
      return () => minted;
    },
    http: (limiter) =>
      new DefenderHttp({
        timeoutMs: 5_000,
        logger: silent,
        limiter,
        retry: { maxAttempts: 3, maxRetryAfterSeconds: 30, baseDelayMs: 1, sleep: async (ms) => void retrySleeps.push(ms) },
      }),
    close: () => fake.close(),
  };
}

function mint(key: KeyLike, audience: string, scp: string): Promise<string> {
  return new SignJWT({ oid: 'oid-ana', upn: 'Ana@contoso.com', name: 'Ana Lyst', tid: 'tenant-1', azp: 'bot-client', scp })
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
}
