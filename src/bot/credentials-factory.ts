import type { TokenCredential } from '@azure/identity';
import { ServiceClientCredentialsFactory, type ServiceClientCredentials } from 'botframework-connector';

/** The bot's own identity for outbound calls to the channel. */
export interface BotIdentity {
  readonly appId?: string;
  readonly appPassword?: string;
  readonly appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';
  readonly tenantId?: string;
  /** PEM with certificate and private key; used instead of the password when set. */
  readonly certificatePath?: string;
}

/**
 * Signs outbound Bot Connector calls with a token from the configured login URL through
 * @azure/identity. botbuilder's default MSAL path runs instance discovery against the public
 * cloud; this one trusts the configured authority, so sovereign clouds and test endpoints work.
 */
export class IdentityCredentialsFactory extends ServiceClientCredentialsFactory {
  private readonly credentials = new Map<string, TokenCredential>();

  constructor(private readonly identity: BotIdentity) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return !!this.identity.appId && appId === this.identity.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return !this.identity.appId;
  }

  async createCredentials(appId: string, audience: string | undefined, loginEndpoint: string): Promise<ServiceClientCredentials> {
    if (await this.isAuthenticationDisabled()) return { signRequest: async (request) => request };
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    const credential = await this.credentialFor(loginEndpoint);
    const scope = `${(audience ?? 'https://api.botframework.com').replace(/\/+$/, '')}/.default`;
    return {
      signRequest: async (request) => {
        const token = await credential.getToken(scope);
        if (!token) throw new Error('No token for the Bot Connector.');
        request.headers.set('Authorization', `Bearer ${token.token}`);
        return request;
      },
    };
  }

  /** @azure/identity is loaded on first use: local mode (no app id) never needs it, and starts faster without it. */
  private async credentialFor(loginEndpoint: string): Promise<TokenCredential> {
    const url = new URL(loginEndpoint);
    const pathTenant = url.pathname.split('/').filter(Boolean).pop() ?? 'botframework.com';
    const tenant = this.identity.appType === 'SingleTenant' && this.identity.tenantId ? this.identity.tenantId : pathTenant;
    const key = `${url.origin}|${tenant}`;
    let credential = this.credentials.get(key);
    if (!credential) {
      const { ClientCertificateCredential, ClientSecretCredential } = await import('@azure/identity');
      const options = { authorityHost: url.origin, disableInstanceDiscovery: true };
      const appId = this.identity.appId ?? '';
      credential = this.identity.certificatePath
        ? new ClientCertificateCredential(tenant, appId, { certificatePath: this.identity.certificatePath }, options)
        : new ClientSecretCredential(tenant, appId, this.identity.appPassword ?? '', options);
      this.credentials.set(key, credential);
    }
    return credential;
  }
}
