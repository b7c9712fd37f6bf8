import type { BlockOptions, OptionsInput } from './block-options';

/** Turns typed options into what Defender receives: expiry as a date, the configured default applied. */
export function resolveOptions(input: OptionsInput, now: Date, defaultExpiryDays: number): BlockOptions {
  const expires = input.expires ?? (defaultExpiryDays > 0 ? { days: defaultExpiryDays } : 'never');
  const expiresAt = expires === 'never' ? undefined : 'days' in expires ? new Date(now.getTime() + expires.days * 86_400_000).toISOString() : expires.at;
  return {
    action: input.action ?? 'Block',
    ...(expiresAt ? { expiresAt } : {}),
    ...(expires !== 'never' && 'days' in expires ? { expiresInDays: expires.days } : {}),
    ...(input.severity ? { severity: input.severity } : {}),
    ...(input.deviceGroups?.length ? { deviceGroups: input.deviceGroups } : {}),
  };
}
