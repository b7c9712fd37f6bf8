import { z } from 'zod';

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

const httpsUrl = (hint: string) =>
  z
    .string()
    .trim()
    .refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { message: `must be an http(s) URL; ${hint}` })
    .transform((s) => s.replace(/\/+$/, ''));

const intInRange = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`);

const guidList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine((list) => list.every((t) => /^[0-9a-f-]{36}$/.test(t)), {
    message: 'must be a comma-separated list of tenant ids (GUIDs)',
  })
  .refine((list) => list.length > 0, {
    message: 'names no tenant (an empty list would serve every tenant); list at least one tenant id, or leave it unset to serve only MicrosoftAppTenantId',
  });

/** SharePoint Online / OneDrive hosts of the public cloud, GCC High, DoD and Microsoft 365 operated by 21Vianet. */
/** An empty setting (`NAME=` in .env) counts as unset, so its default applies. */
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const DEFAULT_FILE_DOWNLOAD_HOSTS = '.sharepoint.com,.sharepoint.us,.sharepoint-mil.us,.sharepoint.cn';

const hostSuffixList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine((list) => list.every((t) => /^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(t)), {
    message: 'must be a comma-separated list of host names or suffixes with at least two labels, e.g. .sharepoint.com',
  })
  .transform((list) => (list.length > 0 ? list : DEFAULT_FILE_DOWNLOAD_HOSTS.split(',')));

/** Every setting the bot reads (besides botbuilder's pass-through keys), validated with a hint each. */
export const schema = z.object({
  PORT: intInRange(0, 65535).default(3978),
  HOST: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: intInRange(0, 600_000).default(20_000),
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMsi']).default('MultiTenant'),
  MicrosoftAppTenantId: optionalText,
  ToChannelFromBotLoginUrl: optionalText,
  ToChannelFromBotOAuthScope: optionalText,
  AAD_AUTHORITY_HOST: httpsUrl('e.g. https://login.microsoftonline.com').default('https://login.microsoftonline.com'),
  AAD_CLIENT_CERTIFICATE_PATH: optionalText,
  OAUTH_CONNECTION_NAME: optionalText,
  SIGNIN_TIMEOUT_SECONDS: intInRange(1, 3600).default(300),
  GRAPH_URL: httpsUrl('e.g. https://graph.microsoft.com').default('https://graph.microsoft.com'),
  GRAPH_SCOPE: optionalText,
  ROLE_CACHE_SECONDS: intInRange(0, 300).default(60),
  DEFENDER_API: z.enum(['files', 'indicators', 'simulator']).optional(),
  DEFENDER_FILES_URL: httpsUrl('e.g. https://graph.microsoft.com/testwdatppreview').default('https://graph.microsoft.com/testwdatppreview'),
  DEFENDER_INDICATORS_URL: httpsUrl('e.g. https://api.securitycenter.microsoft.com/api').default('https://api.securitycenter.microsoft.com/api'),
  DEFENDER_FILES_SCOPE: z.string().trim().min(1).default('https://graph.microsoft.com/.default'),
  DEFENDER_INDICATORS_SCOPE: z.string().trim().min(1).default('https://api.securitycenter.microsoft.com/.default'),
  DEFENDER_TIMEOUT_MS: intInRange(100, 120_000).default(10_000),
  DEFENDER_MAX_ATTEMPTS: intInRange(1, 10).default(3),
  DEFENDER_MAX_RETRY_AFTER_SECONDS: intInRange(0, 600).default(30),
  ROLE_DIRECTORY: z.enum(['local', 'graph']).optional(),
  LOCAL_DIRECTORY_PATH: optionalText,
  ALLOWED_TENANTS: guidList.optional(),
  DATA_DIR: optionalText,
  UNDO_WINDOW_SECONDS: intInRange(0, 86_400).default(900),
  DEFAULT_EXPIRY_DAYS: intInRange(0, 3650).default(90),
  WIDESPREAD_THRESHOLD: intInRange(1, 10_000_000).default(100),
  INVOKE_BUDGET_MS: intInRange(500, 14_000).default(8_000),
  DECISION_TTL_MINUTES: intInRange(1, 1440).default(30),
  BULK_PATIENCE_MINUTES: intInRange(1, 720).default(60),
  /** Unset: 30 in production, off in local mode (one simulated user, demos and benchmarks). */
  RATE_COMMANDS_PER_MINUTE: z.preprocess(blankAsUnset, intInRange(0, 6000).optional()),
  RATE_COMMAND_BURST: intInRange(1, 6000).default(30),
  /** Unset: 60 in production, off in local mode. */
  RATE_CARD_PRESSES_PER_MINUTE: z.preprocess(blankAsUnset, intInRange(0, 6000).optional()),
  RATE_CARD_PRESS_BURST: intInRange(1, 6000).default(60),
  MAX_BULK_JOBS_PER_USER: intInRange(1, 100).default(1),
  MAX_EXPORTS_PER_USER: intInRange(1, 100).default(2),
  BULK_JOB_LEASE_SECONDS: intInRange(5, 3600).default(300),
  APPROVAL_POLICY: z.enum(['off', 'non-admins', 'always']).default('non-admins'),
  APPROVAL_CHANNEL: optionalText,
  APPROVAL_TTL_SECONDS: intInRange(1, 30 * 86_400).default(86_400),
  APPROVAL_MAX_OPEN_PER_USER: intInRange(1, 1000).default(10),
  APPROVAL_RETENTION_DAYS: intInRange(1, 3650).default(30),
  SWEEP_SECONDS: intInRange(1, 3600).default(30),
  CONTAIN_CONFIRM_DEVICES: intInRange(1, 1000).default(25),
  CONTAIN_POLL_SECONDS: intInRange(1, 3600).default(30),
  CONTAIN_WATCH_MINUTES: intInRange(1, 1440).default(60),
  FOLLOW_UP_AFTER_MINUTES: intInRange(0, 10_080).default(120),
  FOLLOW_UP_AFTER_SECONDS: z.preprocess(blankAsUnset, intInRange(1, 604_800).optional()),
  STORAGE: z.enum(['local', 'azure-blob']).default('local'),
  AZURE_STORAGE_CONNECTION_STRING: optionalText,
  AZURE_STORAGE_CONTAINER: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid container name (3-63 lower-case letters, digits, hyphens)')
    .default('defender-block-bot'),
  AZURE_STORAGE_TIMEOUT_MS: intInRange(100, 120_000).default(10_000),
  FILE_DOWNLOAD_HOSTS: hostSuffixList.default(DEFAULT_FILE_DOWNLOAD_HOSTS.split(',')),
  TEAMS_APP_ID: z.string().trim().uuid('must be a GUID').optional(),
  BOT_DOMAIN: optionalText,
});
