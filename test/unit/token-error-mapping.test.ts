import { AuthenticationRequiredError } from '@azure/identity';
import { TokenError } from '../../src/errors';
import { mapTokenError } from '../../src/identity/token-error-mapping';

describe('mapTokenError', () => {
  it.each([
    ['invalid_grant: AADSTS65001: The user or administrator has not consented', 'consentRequired'],
    ['consent_required', 'consentRequired'],
    ['interaction_required: AADSTS50076: you must use multi-factor authentication', 'interactionRequired'],
    ['invalid_grant: AADSTS53003: Access has been blocked by Conditional Access policies', 'interactionRequired'],
    ['invalid_grant: AADSTS50173: The provided grant has expired', 'invalidGrant'],
    ['invalid_grant: AADSTS500133: Assertion is not within its valid time range', 'invalidGrant'],
    ['invalid_client: AADSTS7000215: Invalid client secret provided', 'unavailable'],
    ['ECONNREFUSED 127.0.0.1:443', 'unavailable'],
  ])('%s → %s', (message, reason) => {
    const mapped = mapTokenError(new Error(message));
    expect(mapped).toBeInstanceOf(TokenError);
    expect(mapped.reason).toBe(reason);
    expect(mapped.message).not.toContain('AADSTS');
  });

  it('reads the errors @azure/identity actually throws', () => {
    const error = new AuthenticationRequiredError({ scopes: ['x'], message: 'interaction_required: AADSTS50079: enroll in MFA' });
    expect(mapTokenError(error).reason).toBe('interactionRequired');
  });

  it('keeps a TokenError as it is', () => {
    const original = new TokenError('invalidGrant', 'gone');
    expect(mapTokenError(original)).toBe(original);
  });
});
