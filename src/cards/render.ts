import fs from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { BotError } from '../errors';
import { projectRoot } from '../project-root';

/** The card templates in cards/*.json. */
export type CardName =
  | 'file-status'
  | 'block-failed'
  | 'denied'
  | 'notice'
  | 'help'
  | 'confirm-block'
  | 'block-form'
  | 'file-report'
  | 'bulk-progress'
  | 'bulk-review'
  | 'bulk-precheck'
  | 'history'
  | 'approval'
  | 'pasted-review'
  | 'message-action'
  | 'contain-devices'
  | 'contain-progress'
  | 'contain-follow-up';

/** An Adaptive Card attachment as the channel expects it. */
export interface CardAttachment {
  readonly contentType: 'application/vnd.microsoft.card.adaptive';
  readonly content: Record<string, unknown>;
}

/** What the bot sends back: one card and a plain-text summary for notifications. */
export interface Reply {
  readonly card: CardAttachment;
  readonly summary: string;
}

/** Teams refuses bot messages over 40 KB (UTF-16); stay well under it. */
export const MAX_CARD_BYTES = 40 * 1024;

const templates = new Map<CardName, ACData.Template>();

function template(name: CardName): ACData.Template {
  let compiled = templates.get(name);
  if (!compiled) {
    const json = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'cards', `${name}.json`), 'utf8')) as object;
    compiled = new ACData.Template(json);
    templates.set(name, compiled);
  }
  return compiled;
}

/** Expands cards/<name>.json with `data` (values substituted once, never evaluated). */
export function renderCard(name: CardName, data: object): CardAttachment {
  const content = template(name).expand({ $root: data }) as Record<string, unknown>;
  const serialized = JSON.stringify(content);
  const unbound = serialized.includes('${') ? unboundExpressions(serialized, data) : [];
  if (unbound.length > 0) {
    throw new BotError('card', `Card ${name} left ${unbound.join(', ')} unbound.`);
  }
  if (serialized.length * 2 > MAX_CARD_BYTES) {
    throw new BotError('card', `Card ${name} is ${serialized.length * 2} bytes, over the ${MAX_CARD_BYTES} limit.`);
  }
  return { contentType: 'application/vnd.microsoft.card.adaptive', content };
}

/** Expressions left in the card that the data did not bring (a value may itself contain "${…}", shown as typed). */
function unboundExpressions(serialized: string, data: object): string[] {
  const fromData = JSON.stringify(data);
  return (serialized.match(/\$\{[^}]*\}/g) ?? []).filter((expr) => !fromData.includes(expr));
}
