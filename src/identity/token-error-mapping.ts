import { TokenError } from '../errors';

const CONSENT = /consent_required|AADSTS65001\b|AADSTS65004\b/i;
const INTERACTION = /interaction_required|AADSTS50076\b|AADSTS50079\b|AADSTS53003\b|AADSTS50158\b|AADSTS16000\b/i;
const GRANT = /invalid_grant|AADSTS50173\b|AADSTS700082\b|AADSTS500133\b|AADSTS50013\b/i;

/** Maps an @azure/identity / MSAL failure to what the analyst must do about it. */
export function mapTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (CONSENT.test(text)) return new TokenError('consentRequired', 'Consent is required for the bot to act on your behalf.', { cause: error });
  if (INTERACTION.test(text)) return new TokenError('interactionRequired', 'Your sign-in must be renewed interactively.', { cause: error });
  if (GRANT.test(text)) return new TokenError('invalidGrant', 'Your sign-in is no longer valid.', { cause: error });
  return new TokenError('unavailable', 'A token could not be obtained from Microsoft Entra ID.', { cause: error });
}
