import { INDICATOR_ACTIONS, SEVERITIES, type IndicatorAction, type OptionsInput, type Severity } from '../domain/block-options';

export type { OptionsInput } from '../domain/block-options';

/** An option the grammar could not read. */
export interface OptionError {
  readonly reason: 'badOption';
  readonly key: string;
  readonly value: string;
  readonly hint: string;
}

const ACTION_WORDS: Record<string, IndicatorAction> = {
  block: 'Block',
  blockandremediate: 'BlockAndRemediate',
  remediate: 'BlockAndRemediate',
  'block+remediate': 'BlockAndRemediate',
  audit: 'Audit',
  warn: 'Warn',
  allow: 'Allowed',
  allowed: 'Allowed',
};

const SEVERITY_WORDS: Record<string, Severity> = {
  informational: 'Informational',
  info: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

const KEYS: Record<string, 'action' | 'expires' | 'severity' | 'groups'> = {
  action: 'action',
  expires: 'expires',
  expiry: 'expires',
  expire: 'expires',
  severity: 'severity',
  groups: 'groups',
  group: 'groups',
};

/** Longest expiry accepted, in days (Defender keeps indicators at most this long in practice). */
export const MAX_EXPIRY_DAYS = 3650;

/**
 * Most device groups per block, and longest group name. Defender documents neither limit for
 * `rbacGroupNames`; these are the bot's own, chosen well above real tenants' needs, so that an
 * indicator, its card and its audit entry stay small.
 */
export const MAX_DEVICE_GROUPS = 20;
export const MAX_DEVICE_GROUP_LENGTH = 100;

/** Leading `key:value` tokens of `text` (before the comment); the rest is returned untouched. */
export function takeOptions(text: string): { options: OptionsInput; rest: string } | OptionError {
  const options: { -readonly [K in keyof OptionsInput]: OptionsInput[K] } = {};
  let rest = text;
  for (;;) {
    const match = /^([a-z]+)[:=]("([^"]*)"|'([^']*)'|[^\s"']+)\s*/i.exec(rest);
    const key = match ? KEYS[match[1].toLowerCase()] : undefined;
    if (!match || !key) return { options, rest };
    const value = (match[3] ?? match[4] ?? match[2]).trim();
    const applied = apply(options, key, value);
    if (applied) return { ...applied, key: match[1] };
    rest = rest.slice(match[0].length);
  }
}

/** Reads option values coming from a form card (already split into fields). */
export function optionsFromFields(fields: { action?: string; expires?: string; severity?: string; groups?: string }): OptionsInput | OptionError {
  const options: { -readonly [K in keyof OptionsInput]: OptionsInput[K] } = {};
  for (const key of ['action', 'expires', 'severity', 'groups'] as const) {
    const value = fields[key]?.trim();
    if (!value) continue;
    const failed = apply(options, key, value);
    if (failed) return failed;
  }
  return options;
}

function apply(options: { -readonly [K in keyof OptionsInput]: OptionsInput[K] }, key: 'action' | 'expires' | 'severity' | 'groups', value: string): OptionError | undefined {
  const fail = (hint: string): OptionError => ({ reason: 'badOption', key, value, hint });
  switch (key) {
    case 'action': {
      const action = ACTION_WORDS[value.toLowerCase()];
      if (!action) return fail(`use one of ${INDICATOR_ACTIONS.filter((a) => a !== 'Allowed').join(', ')} (to allow a file, send "allow ‹hash› ‹comment›")`);
      options.action = action;
      return undefined;
    }
    case 'severity': {
      const severity = SEVERITY_WORDS[value.toLowerCase()];
      if (!severity) return fail(`use one of ${SEVERITIES.join(', ')}`);
      options.severity = severity;
      return undefined;
    }
    case 'groups': {
      const groups = value
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      if (groups.length === 0) return fail('name one or more device groups, separated by commas');
      if (groups.length > MAX_DEVICE_GROUPS) return fail(`name at most ${MAX_DEVICE_GROUPS} device groups (this names ${groups.length}); leave groups out to block on all devices`);
      const longest = Math.max(...groups.map((g) => g.length));
      if (longest > MAX_DEVICE_GROUP_LENGTH) return fail(`a device group name has at most ${MAX_DEVICE_GROUP_LENGTH} characters (one here has ${longest})`);
      options.deviceGroups = groups;
      return undefined;
    }
    case 'expires': {
      const expires = parseExpiry(value);
      if (!expires) return fail(`use a number of days like 30d (at most ${MAX_EXPIRY_DAYS}), a date like 2027-01-31, or never`);
      options.expires = expires;
      return undefined;
    }
  }
}

function parseExpiry(value: string): OptionsInput['expires'] | undefined {
  if (/^never$/i.test(value)) return 'never';
  const days = /^(\d{1,4})\s*d(ays?)?$/i.exec(value);
  if (days) {
    const n = Number(days[1]);
    return n >= 1 && n <= MAX_EXPIRY_DAYS ? { days: n } : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    return { at: `${value}T00:00:00Z` };
  }
  return undefined;
}
