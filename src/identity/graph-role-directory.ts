import type { Caller } from '../domain/caller';
import type { Delegation, Logger, RoleDirectory, RoleLookup } from '../domain/ports';
import type { RoleTemplateId } from '../domain/roles';

/** Settings for the live directory-role check. */
export interface GraphRoleSettings {
  readonly graphUrl: string;
  /** Successful lookups are reused this long (0 = never). */
  readonly cacheMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Pages followed at most; a user in more directory roles than this is an anomaly. */
  readonly maxPages?: number;
}

interface CachedRoles {
  readonly roles: ReadonlySet<RoleTemplateId>;
  readonly until: number;
}

/**
 * The caller's active directory roles from Microsoft Graph (`/me/transitiveMemberOf/microsoft.graph.directoryRole`)
 * with their own delegated token, following `@odata.nextLink`. Any failure denies (fails closed).
 */
export class GraphRoleDirectory implements RoleDirectory {
  private readonly cache = new Map<string, CachedRoles>();

  constructor(
    private readonly settings: GraphRoleSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async rolesOf(caller: Caller, delegation: Delegation): Promise<RoleLookup> {
    const key = caller.aadObjectId ?? caller.userId;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return { ok: true, roles: hit.roles };
    const token = await delegation.graph();
    const lookup = await this.fetchRoles(token);
    if (lookup.ok && this.settings.cacheMs > 0) {
      this.cache.set(key, { roles: lookup.roles, until: this.now() + this.settings.cacheMs });
    }
    return lookup;
  }

  private async fetchRoles(token: string): Promise<RoleLookup> {
    const roles = new Set<RoleTemplateId>();
    let url: string | null | undefined = `${this.settings.graphUrl}/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole`;
    const maxPages = this.settings.maxPages ?? 20;
    for (let page = 0; url; page++) {
      if (page >= maxPages) return this.fail(`Microsoft Graph returned more than ${maxPages} pages of directory roles.`);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
      } catch (error) {
        return this.fail(`Microsoft Graph could not be reached (${(error as Error).name}).`);
      }
      const body = (await response.json().catch(() => undefined)) as GraphPage | undefined;
      if (!response.ok || !body || !Array.isArray(body.value)) {
        const code = body && typeof body === 'object' ? (body as { error?: { code?: string } }).error?.code : undefined;
        return this.fail(`Microsoft Graph answered HTTP ${response.status}${code ? ` (${code})` : ''}.`);
      }
      for (const role of body.value) {
        if (typeof role.roleTemplateId === 'string') roles.add(role.roleTemplateId.toLowerCase());
      }
      url = typeof body['@odata.nextLink'] === 'string' ? sameOrigin(body['@odata.nextLink'], this.settings.graphUrl) : undefined;
      if (url === null) return this.fail('Microsoft Graph sent a next page on another host; refusing to follow it.');
    }
    return { ok: true, roles };
  }

  private fail(detail: string): RoleLookup {
    this.settings.logger.warn({ detail }, 'Directory role lookup failed; denying');
    return { ok: false, detail };
  }
}

interface GraphPage {
  readonly value: Array<{ roleTemplateId?: unknown }>;
  readonly '@odata.nextLink'?: unknown;
}

/** The next-page URL if it stays on Graph's origin, so the user's token is never sent elsewhere; else null. */
function sameOrigin(next: string, graphUrl: string): string | null {
  try {
    return new URL(next).origin === new URL(graphUrl).origin ? next : null;
  } catch {
    return null;
  }
}
