import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');
/** Debian's chromium; `.ci/run` installs it when it is missing. */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** What the page reports about one rendered card (test/cards/measure-card.js). */
export interface CardMeasure {
  readonly width: number;
  readonly height: number;
  /** Parse and validation warnings of the renderer. */
  readonly warnings: string[];
  /** Elements that stick out of the card, e.g. `div.ac-factset-value "a3f5…" spans 16..577 of 360`. */
  readonly overflowing: string[];
  /** Texts and button titles cut off: ellipsis, or content wider than its box. */
  readonly clipped: string[];
  /** Visible text whose contrast against its background is under 4.5:1. */
  readonly lowContrast: string[];
  /** Buttons as rendered: title, row (by top offset) and top, relative to the card. */
  readonly buttons: { title: string; row: number; top: number }[];
  /** Hashes inside running text that a line break cuts in two. */
  readonly brokenHashes: string[];
  /** The visible text, as a reader sees it. */
  readonly text: string;
}

/** Where the screenshots go (ignored by git). */
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'cards');

// Segoe UI and Courier New are not on Linux: their metric-compatible stand-ins keep widths close to Teams'.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>
@font-face { font-family: 'Segoe UI'; src: local('Liberation Sans'), local('Arial'); }
@font-face { font-family: 'Segoe UI'; font-weight: 600; src: local('Liberation Sans Bold'), local('Arial Bold'); }
@font-face { font-family: 'Courier New'; src: local('Liberation Mono'), local('Courier New'); }
body { margin: 0; background: #f5f5f5; }
#host { background: #ffffff; }
/* Teams' buttons: semibold, padded, sharing the row and ending in an ellipsis when the title does not fit. */
#host .ac-pushButton { font: 600 14px 'Segoe UI', sans-serif; padding: 4px 12px; min-height: 32px; min-width: 0; flex: 0 1 auto;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; border: 1px solid #e1dfdd; border-radius: 4px; background: #fff; }
#host .ac-pushButton > div { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style></head><body><div id="host"></div></body></html>`;

/** One headless Chromium page with the Adaptive Cards renderer and Teams' light host config, reused for every card. */
export class CardRenderer {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly hostConfig: object,
  ) {}

  static async launch(): Promise<CardRenderer> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does).`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage({ viewport: { width: 400, height: 800 } });
    await page.setContent(PAGE);
    await page.addScriptTag({ path: require.resolve('adaptivecards/dist/adaptivecards.js') });
    await page.addScriptTag({ path: path.join(__dirname, 'measure-card.js') });
    // Load the stand-in faces before the first card is measured, so every measure sees the same fonts.
    await page.evaluate(
      `Promise.all(["14px 'Segoe UI'", "600 14px 'Segoe UI'", "14px 'Courier New'"].map((f) => document.fonts.load(f))).then(() => document.fonts.ready).then(() => undefined)`,
    );
    const hostConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'teams-light-host-config.json'), 'utf8')) as object;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    return new CardRenderer(browser, page, hostConfig);
  }

  /** Renders the card at `width` px, measures it, and saves a screenshot as `<name>.png`. */
  async render(card: object, width: number, name: string): Promise<CardMeasure> {
    const measure = await this.page.evaluate<CardMeasure>(`measureCard(${JSON.stringify({ card, hostConfig: this.hostConfig, width })})`);
    await this.page.locator('#host').screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
    return measure;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
