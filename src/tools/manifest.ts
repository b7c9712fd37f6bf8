/** Values filled into the `${{NAME}}` placeholders of appPackage/manifest.json. */
export interface ManifestValues {
  readonly botId: string;
  readonly teamsAppId: string;
  readonly botDomain: string;
}

const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Fills the placeholders of the manifest template and parses it; throws naming any placeholder left without a value. */
export function renderManifest(template: string, values: ManifestValues): Record<string, unknown> {
  const byName: Readonly<Record<string, string>> = {
    BOT_ID: values.botId.trim(),
    TEAMS_APP_ID: values.teamsAppId.trim(),
    BOT_DOMAIN: values.botDomain.trim(),
  };
  if (byName.BOT_DOMAIN && !HOST_NAME.test(byName.BOT_DOMAIN)) {
    throw new Error(
      `Manifest value BOT_DOMAIN "${values.botDomain}" must be a bare host name such as bot.contoso.com (no scheme, port or path)`,
    );
  }

  const unfilled = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(byName, name) ? byName[name] : '';
    if (!value) {
      unfilled.add(whole);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (unfilled.size > 0) {
    throw new Error(`Manifest template has placeholders with no value: ${[...unfilled].join(', ')}`);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`Manifest template is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('Manifest template must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
