import { randomUUID } from 'node:crypto';
import { type Answer, badArgument, requireParams } from './answers';

/** Per OAuth connection settings; `tokenExchangeUri: null` means the connection has no SSO. */
export interface ConnectionSetting {
  tokenExchangeUri?: string | null;
  serviceProviderDisplayName?: string;
}

/** The decoded `state` of a GetSignInResource call, with what was answered. */
export interface SignInRecord {
  state: { connectionName: string; conversation: Record<string, unknown>; relatesTo?: unknown; msAppId: string };
  signInLink: string;
  tokenExchangeResource: { id: string; uri: string; providerId: string } | undefined;
  codeChallenge: string | undefined;
  finalRedirect: string | undefined;
}

const AAD_V2_PROVIDER_ID = '30dd229c-58e3-4a48-bdfd-91ec48eb906c';

/**
 * `GET /api/botsignin/GetSignInResource?state=<base64 JSON>`: a sign-in link back to the fake and, when the
 * connection has SSO, a token exchange resource. Returns the answer and, on success, what to record.
 */
export function signInResource(
  q: Record<string, string>,
  callerAppId: unknown,
  baseUrl: string,
  connections: Record<string, ConnectionSetting> | undefined,
): { answer: Answer; record?: SignInRecord } {
  if (!q.state) return { answer: badArgument('state is required') };
  let state: SignInRecord['state'];
  try {
    state = JSON.parse(Buffer.from(q.state, 'base64').toString('utf8')) as SignInRecord['state'];
  } catch {
    return { answer: badArgument('state is not base64 JSON') };
  }
  if (typeof state?.connectionName !== 'string' || typeof state.msAppId !== 'string' || typeof state.conversation !== 'object' || !state.conversation) {
    return { answer: badArgument('state needs connectionName, conversation and msAppId') };
  }
  if (state.msAppId !== callerAppId) return { answer: badArgument('state.msAppId does not match the caller') };
  const problem = requireParams({ connectionName: state.connectionName }, ['connectionName'], connections);
  if (problem) return { answer: problem };
  const setting = connections?.[state.connectionName];
  const uri = setting?.tokenExchangeUri === undefined ? `api://${state.msAppId}` : setting.tokenExchangeUri;
  const signInId = randomUUID();
  const params = new URLSearchParams({ signin: signInId, ...(q.code_challenge ? { code_challenge: q.code_challenge } : {}) });
  const signInLink = `${baseUrl}/api/oauth/signin?${params.toString()}`;
  const tokenExchangeResource = uri === null ? undefined : { id: randomUUID(), uri, providerId: AAD_V2_PROVIDER_ID };
  return {
    answer: {
      status: 200,
      body: {
        signInLink,
        ...(tokenExchangeResource ? { tokenExchangeResource } : {}),
        tokenPostResource: { sasUrl: `${baseUrl}/api/tokenpost/${signInId}?sig=fake` },
      },
    },
    record: { state, signInLink, tokenExchangeResource, codeChallenge: q.code_challenge, finalRedirect: q.finalRedirect },
  };
}
