import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors';
import type { Caller } from '../domain/caller';
import type { Delegation, RoleDirectory, RoleLookup } from '../domain/ports';
import { DirectoryRole, ROLE_NAMES } from '../domain/roles';

const BY_NAME = new Map(Object.entries(ROLE_NAMES).map(([id, name]) => [name.toLowerCase(), id]));

const roleRef = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const id = BY_NAME.get(s.toLowerCase()) ?? (/^[0-9a-f-]{36}$/i.test(s) ? s.toLowerCase() : undefined);
    if (!id) ctx.addIssue({ code: 'custom', message: `unknown role "${s}"; use ${Object.values(ROLE_NAMES).join(', ')} or a roleTemplateId` });
    return id ?? '';
  });

const DirectoryFile = z.object({
  users: z.array(
    z
      .object({
        name: z.string().trim().optional(),
        aadObjectId: z.string().trim().toLowerCase().optional(),
        userId: z.string().trim().optional(),
        roles: z.array(roleRef),
      })
      .refine((u) => u.name || u.aadObjectId || u.userId, { message: 'each user needs a name, aadObjectId or userId' }),
  ),
});

type DirectoryUser = z.infer<typeof DirectoryFile>['users'][number];

/** Local mode's role directory: a JSON file of sample users; anyone unlisted is a Security Administrator. */
export class LocalRoleDirectory implements RoleDirectory {
  private constructor(private readonly users: readonly DirectoryUser[]) {}

  /** Reads and validates the file; a bad file stops start-up with the reason. */
  static fromFile(path: string): LocalRoleDirectory {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError([`LOCAL_DIRECTORY_PATH: cannot read ${path} as JSON (${(error as Error).message})`]);
    }
    const parsed = DirectoryFile.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => `LOCAL_DIRECTORY_PATH: ${path}: ${i.path.join('.')}: ${i.message}`));
    }
    return new LocalRoleDirectory(parsed.data.users);
  }

  async rolesOf(caller: Caller, _delegation: Delegation): Promise<RoleLookup> {
    const user = this.users.find((u) => matches(u, caller));
    const roles = user ? user.roles : [DirectoryRole.SecurityAdministrator];
    return { ok: true, roles: new Set(roles) };
  }
}

function matches(user: DirectoryUser, caller: Caller): boolean {
  if (user.aadObjectId && caller.aadObjectId) return user.aadObjectId === caller.aadObjectId.toLowerCase();
  if (user.userId) return user.userId === caller.userId;
  return !!user.name && user.name.toLowerCase() === caller.name.toLowerCase();
}
