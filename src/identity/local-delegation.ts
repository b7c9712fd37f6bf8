import type { Delegation, Delegations } from '../domain/ports';
import { TokenError } from '../errors';
import { identityFromToken } from './jwt-claims';

const refuse = async (): Promise<string> => {
  throw new TokenError('unavailable', "Local mode acts on nobody's behalf; only the simulator and the local directory may be used.");
};

/** Local mode: nobody signs in, and asking for a token is a wiring mistake that fails loudly. */
export const LOCAL_DELEGATION: Delegation = { graph: refuse, defender: refuse };

/** Local mode's Delegations: every user gets LOCAL_DELEGATION. */
export class LocalDelegations implements Delegations {
  forUser(_userAssertion: string): Delegation {
    return LOCAL_DELEGATION;
  }

  identityOf(userAssertion: string) {
    return identityFromToken(userAssertion);
  }
}
