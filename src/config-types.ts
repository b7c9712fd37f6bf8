/** The validated, frozen configuration's shape (loaded by ./config). */

/** Which Defender API the bot drives. */
export type DefenderApiKind = 'files' | 'indicators' | 'simulator';

/** The validated, frozen configuration; the only place that knows about environment variables. */
export interface Config {
  readonly mode: 'local' | 'production';
  readonly http: { readonly host: string; readonly port: number; readonly shutdownGraceMs: number };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bot: {
    readonly appId?: string;
    readonly appPassword?: string;
    readonly appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';
    readonly tenantId?: string;
    /** The login URL and scope the bot's own outbound token is requested from/for. */
    readonly loginUrl: string;
    readonly oauthScope: string;
    /** Everything botbuilder reads, exactly as given. */
    readonly frameworkSettings: Readonly<Record<string, string>>;
  };
  readonly aad: {
    readonly authorityHost: string;
    /** PEM file (certificate and private key) used instead of the client secret for on-behalf-of. */
    readonly clientCertificatePath?: string;
  };
  /** Teams sign-in through the Bot Framework token service (production only). */
  readonly signIn: {
    readonly connectionName: string;
    /** How long a command waits for its sender to finish signing in. */
    readonly pendingTimeoutMs: number;
  };
  readonly graph: { readonly url: string; readonly scope: string };
  /** Folder of the local database (state, confirmations, undo records, audit trail). */
  readonly dataDir: string;
  readonly behaviour: {
    /** How long a block's Undo button works (0 = no Undo). */
    readonly undoWindowMs: number;
    /** Indicators expire after this many days unless the analyst says otherwise (0 = never). */
    readonly defaultExpiryDays: number;
    /** Org prevalence (devices) from which a block asks for confirmation. */
    readonly widespreadThreshold: number;
    readonly invokeBudgetMs: number;
    /** Confirmations, bulk reviews and exports are answerable this long. */
    readonly decisionTtlMs: number;
    /** How long a bulk block may wait on rate limits and outages in total. */
    readonly bulkPatienceMs: number;
  };
  /** Per-user limits: token buckets (0 per minute = off) and concurrent bulk blocks and exports. */
  readonly fairUse: {
    readonly commands: { readonly perMinute: number; readonly burst: number };
    readonly presses: { readonly perMinute: number; readonly burst: number };
    readonly maxBulkJobs: number;
    readonly maxExports: number;
    /** A running bulk job not updated for this long is taken as interrupted (its instance was killed) and reported. */
    readonly bulkJobLeaseMs: number;
  };
  readonly approvals: {
    /** off: none; non-admins: people without the role may ask; always: every block needs a second person. */
    readonly policy: 'off' | 'non-admins' | 'always';
    /** The SOC channel's conversation id; unset = the card goes to the channel or group chat that asked (never a 1:1 chat). */
    readonly channelId?: string;
    readonly ttlMs: number;
    /** Pending requests one person may have at once. */
    readonly maxOpenPerUser: number;
    /** How long a request is kept after it expired (decided or not), then forgotten by the store. */
    readonly retentionMs: number;
  };
  /** How often expired approvals and sign-in waits are cleaned up (by whichever instance gets there first). */
  readonly sweepMs: number;
  /** Stop & quarantine on devices: confirmation threshold, first poll, how long actions are tracked. */
  readonly containment: { readonly confirmAbove: number; readonly pollMs: number; readonly watchMs: number };
  /** A block is checked again and reported in its thread this long after it succeeded (0 = never). */
  readonly followUpAfterMs: number;
  readonly storage:
    | { readonly kind: 'local' }
    | {
        readonly kind: 'azure-blob';
        readonly connectionString: string;
        readonly container: string;
        /** Each storage request's time limit; a failed or timed-out request is tried 3 times in all. */
        readonly timeoutMs: number;
      };
  readonly defender: {
    readonly api: DefenderApiKind;
    readonly filesUrl: string;
    readonly indicatorsUrl: string;
    readonly filesScope: string;
    readonly indicatorsScope: string;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly maxRetryAfterSeconds: number;
  };
  readonly roles: {
    readonly directory: 'local' | 'graph';
    readonly localDirectoryPath: string;
    /** How long a Graph role lookup is reused; PIM activations take effect within it. */
    readonly cacheMs: number;
  };
  /** Tenants whose users may use the bot; empty means any (local mode only). */
  readonly allowedTenants: readonly string[];
  /** Attached CSV files are downloaded from these hosts only (".x.com" = any sub-domain of x.com). */
  readonly files: { readonly downloadHosts: readonly string[] };
}
