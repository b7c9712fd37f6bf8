import type { TokenIdentity } from '../domain/ports';

/** Claims of a JWT, decoded without verification (Entra verifies the token when it is exchanged). */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The identity claims of a user token (`oid`, `tid`, `upn` or `preferred_username`, `name`). */
export function identityFromToken(token: string): TokenIdentity | undefined {
  const claims = decodeJwtClaims(token);
  if (!claims) return undefined;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return { oid: text(claims.oid), tid: text(claims.tid), upn: text(claims.upn) ?? text(claims.preferred_username), name: text(claims.name) };
}
