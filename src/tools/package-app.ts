import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { loadPackageSettings, type PackageSettings } from '../package-settings';
import { projectRoot } from '../project-root';
import { renderManifest } from './manifest';

/** Bot id written into the package when MicrosoftAppId is not set; no real Teams tenant accepts it. */
export const PLACEHOLDER_BOT_ID = '00000000-0000-4000-8000-000000000000';

const ICON_FILES = ['color.png', 'outline.png'] as const;

/** Where the package was written and what makes it unfit for a real Teams tenant, if anything. */
export interface PackageResult {
  readonly zipPath: string;
  readonly warnings: readonly string[];
}

/** Renders appPackage/manifest.json for `settings` (command lists from the catalog) and writes `<outDir>/appPackage.zip` with it and the two icons at the root. */
export function packageApp(settings: PackageSettings, outDir: string): PackageResult {
  const sourceDir = path.join(projectRoot(), 'appPackage');
  const manifest = renderManifest(fs.readFileSync(path.join(sourceDir, 'manifest.json'), 'utf8'), {
    botId: settings.botId ?? PLACEHOLDER_BOT_ID,
    teamsAppId: settings.teamsAppId,
    botDomain: settings.botDomain,
  });

  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  for (const icon of ICON_FILES) zip.addFile(icon, fs.readFileSync(path.join(sourceDir, icon)));

  fs.mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, 'appPackage.zip');
  fs.writeFileSync(zipPath, zip.toBuffer());
  return { zipPath, warnings: warningsFor(settings) };
}

function warningsFor(settings: PackageSettings): string[] {
  const warnings: string[] = [];
  if (!settings.botId) {
    warnings.push(
      `MicrosoftAppId is not set, so the package uses the placeholder bot id ${PLACEHOLDER_BOT_ID}; ` +
        "it cannot be uploaded to a real Teams tenant until MicrosoftAppId is set to the bot's Entra app id.",
    );
  }
  if (settings.botDomain === 'localhost') {
    warnings.push("BOT_DOMAIN is not set, so the package names localhost; set it to the bot's public host name.");
  }
  return warnings;
}

function main(): void {
  try {
    const result = packageApp(loadPackageSettings(), path.join(projectRoot(), 'build'));
    for (const warning of result.warnings) console.warn(`warning: ${warning}`);
    console.log(result.zipPath);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}

if (require.main === module) main();
