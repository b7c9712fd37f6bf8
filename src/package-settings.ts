import { ConfigError } from './errors';
import { schema } from './config-schema';

/** What the Teams app package needs: no secrets, so packaging needs only these three settings. */
export interface PackageSettings {
  readonly botId?: string;
  readonly teamsAppId: string;
  readonly botDomain: string;
}

const packageSchema = schema.pick({ MicrosoftAppId: true, TEAMS_APP_ID: true, BOT_DOMAIN: true });

/** Reads the package settings (MicrosoftAppId, TEAMS_APP_ID, BOT_DOMAIN); reports every bad key at once. */
export function loadPackageSettings(env: NodeJS.ProcessEnv = process.env): PackageSettings {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = packageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.MicrosoftAppId && !/^[0-9a-f-]{36}$/i.test(e.MicrosoftAppId)) {
    throw new ConfigError(["MicrosoftAppId: must be the bot's Entra application (client) id, a GUID"]);
  }
  return Object.freeze({
    botId: e.MicrosoftAppId,
    teamsAppId: e.TEAMS_APP_ID ?? e.MicrosoftAppId ?? PLACEHOLDER_TEAMS_APP_ID,
    botDomain: e.BOT_DOMAIN ?? 'localhost',
  });
}

const PLACEHOLDER_TEAMS_APP_ID = '00000000-0000-4000-8000-000000000000';
