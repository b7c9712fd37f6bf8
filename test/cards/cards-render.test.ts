// Every card the bot can send, rendered by the Adaptive Cards JavaScript renderer with Teams' light
// host config in headless Chromium at phone widths. Screenshots: test-output/cards/ (ignored by git).
import fs from 'node:fs';
import path from 'node:path';
import { CardRenderer, SCREENSHOTS, type CardMeasure } from './card-renderer';
import { CARD_SAMPLES, type CardKind } from './card-samples';

const WIDTHS = [360, 320] as const;

/** Tallest card of each kind at 320 px (a phone shows about 640 px of a card at once). */
const MAX_HEIGHT: Record<CardKind, number> = {
  notice: 640,
  result: 1000,
  failure: 900,
  confirm: 1000,
  approval: 1500,
  form: 1000,
  help: 1000,
  history: 1000,
  bulk: 1300,
  report: 1100,
  contain: 1300,
  /** A dialog scrolls in Teams' task module: 50 hash toggles of two or three lines each, then the form. */
  dialog: 4400,
};

let renderer: CardRenderer;
const measured = new Map<string, CardMeasure>();

beforeAll(async () => {
  renderer = await CardRenderer.launch();
  for (const sample of CARD_SAMPLES) {
    const card = sample.reply().card.content;
    for (const width of WIDTHS) measured.set(`${sample.name}@${width}`, await renderer.render(card, width, `${sample.name}-${width}`));
  }
}, 120_000);

afterAll(async () => {
  await renderer?.close();
  const summary = [...measured].map(([key, m]) => ({ card: key, height: m.height, buttons: m.buttons.map((b) => b.title) }));
  fs.writeFileSync(path.join(SCREENSHOTS, 'measures.json'), `${JSON.stringify(summary, null, 1)}\n`);
});

const cases = CARD_SAMPLES.flatMap((sample) => WIDTHS.map((width) => ({ name: sample.name, kind: sample.kind, width, key: `${sample.name}@${width}` })));

describe.each(cases)('$name at $width px', ({ key, kind, width }) => {
  const m = () => measured.get(key)!;

  it('renders with no parse or validation warning', () => {
    expect(m().warnings).toEqual([]);
    expect(m().height).toBeGreaterThan(0);
  });

  it('has no element wider than the card', () => {
    expect(m().width).toBe(width);
    expect(m().overflowing).toEqual([]);
  });

  it('cuts off no text or button title', () => {
    expect(m().clipped).toEqual([]);
  });

  it('carries status in readable colours (contrast at least 4.5:1)', () => {
    expect(m().lowContrast).toEqual([]);
  });

  it('has at most 6 buttons, at most 3 in a row', () => {
    const { buttons } = m();
    expect(buttons.length).toBeLessThanOrEqual(6);
    const perRow = buttons.reduce<number[]>((rows, b) => ((rows[b.row] = (rows[b.row] ?? 0) + 1), rows), []);
    expect(Math.max(0, ...perRow)).toBeLessThanOrEqual(3);
  });

  it(`stays within the height bound of a ${kind} card`, () => {
    expect(m().height).toBeLessThanOrEqual(MAX_HEIGHT[kind]);
  });
});

describe.each(WIDTHS)('help at %i px', (width) => {
  it('leads with the form button, within the first screen', () => {
    const [first] = measured.get(`help-production@${width}`)!.buttons;
    expect(first).toEqual(expect.objectContaining({ title: 'Open the block form' }));
    expect(first.top).toBeLessThan(240);
  });

  it("keeps the example's hash on one line", () => {
    expect(measured.get(`help-production@${width}`)!.text).toContain('7327b54fd718525cbca07dacde913b5ac3c85673');
    expect(measured.get(`help-production@${width}`)!.brokenHashes).toEqual([]);
  });
});
