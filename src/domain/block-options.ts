/** Indicator actions the bot offers (the Indicators API's names). */
export const INDICATOR_ACTIONS = ['Block', 'BlockAndRemediate', 'Audit', 'Warn', 'Allowed'] as const;
/** One of INDICATOR_ACTIONS. */
export type IndicatorAction = (typeof INDICATOR_ACTIONS)[number];

/** Indicator severities (the Indicators API's names). */
export const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'] as const;
/** One of SEVERITIES. */
export type Severity = (typeof SEVERITIES)[number];

/** Options of a block on the Indicators API; the files API ignores them (and says so). */
export interface BlockOptions {
  readonly action: IndicatorAction;
  /** ISO time the indicator expires; undefined = never. */
  readonly expiresAt?: string;
  /** The expiry as typed ("30d"): counted again from when the block goes out (a confirmation or approval can come days later). */
  readonly expiresInDays?: number;
  readonly severity?: Severity;
  /** Defender device groups (rbacGroupNames); empty or undefined = all devices. */
  readonly deviceGroups?: readonly string[];
}

/** The options as they go out at `now`: a relative expiry counts from now, so it is never earlier than the indicator itself. */
export function optionsSentAt(options: BlockOptions, now: Date): BlockOptions {
  if (options.expiresInDays === undefined) return options;
  return { ...options, expiresAt: new Date(now.getTime() + options.expiresInDays * 86_400_000).toISOString() };
}

/** Block options as typed; the use case turns the expiry into a date with its clock and default. */
export interface OptionsInput {
  readonly action?: IndicatorAction;
  /** Days from now, an ISO date, or never; undefined = the configured default. */
  readonly expires?: { readonly days: number } | { readonly at: string } | 'never';
  readonly severity?: Severity;
  readonly deviceGroups?: readonly string[];
}

/** Actions that stop the file from running. */
export const BLOCKING_ACTIONS: readonly IndicatorAction[] = ['Block', 'BlockAndRemediate'];
