// Placeholders use ‹ › rather than < >, which Teams' Markdown would swallow as HTML tags.
import { COMMAND_CATALOG } from '../commands/catalog';
import type { ParseError } from '../commands/parse';
import { CardVerb } from './card-verbs';
import { noticeReply, type NoticeAction } from './notice';
import { renderCard, type Reply } from './render';
import { LINE_MAX, shown } from './safe-text';

const EXAMPLE = 'block 7327b54fd718525cbca07dacde913b5ac3c85673 Dropper from phishing alert 32123';

/** The catalog's usages (but help's own) with the first sentence of each description: the help card stays about one phone screen. */
const COMMANDS = COMMAND_CATALOG.filter((spec) => spec.name !== 'help')
  .flatMap((spec) => spec.help)
  .map((h) => ({ usage: h.usage, description: firstSentence(h.description) }));

function firstSentence(text: string): string {
  const end = text.search(/\.\s/);
  return end < 0 ? text : text.slice(0, end + 1);
}

/** The help card: commands, an example, who may block, and a button to the block form. */
export function helpReply(mode: 'local' | 'production'): Reply {
  const footer =
    mode === 'local'
      ? 'Local mode: actions go to the built-in Defender simulator; no real device is affected.'
      : 'Blocking needs the Security Administrator or Global Administrator directory role. Defender records you as the requestor.';
  const card = renderCard('help', { commands: COMMANDS, example: EXAMPLE, footer, verbs: CardVerb });
  return { card, summary: 'Defender Block Bot commands: block, unblock, allow, status, history, sign in, sign out, help' };
}

/** A clear answer for a message that is not a valid command. */
export function parseErrorReply(error: ParseError): Reply {
  const { headline, lines } = explainParseError(error);
  return noticeReply(headline, lines, { example: EXAMPLE, actions: formButton(error) });
}

/** A block that did not parse keeps what the bot understood in a pre-filled form, so nobody retypes 40–64 hex characters on a phone. */
function formButton(error: ParseError): NoticeAction[] {
  const open = (data: Record<string, string>): NoticeAction[] => [{ title: 'Fix it in the form', verb: CardVerb.OpenForm, data }];
  if (error.reason === 'notAHash' && error.verb === 'block') return open({ hash: error.given });
  if (error.reason === 'missingComment' && error.verb === 'block') return open({ hash: error.hash.value });
  if (error.reason === 'commentTooLong' || error.reason === 'badOption') return open({});
  return [];
}

/** Longest part of a rejected value quoted back. */
const QUOTED = 80;

function shortened(value: string): string {
  return value.length > QUOTED ? `${value.slice(0, QUOTED - 1)}… (${value.length} characters)` : value;
}

/** The headline and lines that explain why input is not a valid command; the block form shows the same wording. */
export function explainParseError(error: ParseError): { headline: string; lines: string[] } {
  switch (error.reason) {
    case 'missingHash':
      return { headline: 'Which file?', lines: [`Nothing was done. Give the file's hash: ${error.verb} ‹hash›${error.verb === 'status' ? '' : ' ‹comment›'}`] };
    case 'notAHash':
      return {
        headline: 'This is not a file hash',
        lines: [
          `"${shown(error.given, { max: LINE_MAX })}" is not a SHA-1 (40 hexadecimal characters), SHA-256 (64) or MD5 (32). Nothing was ${error.verb === 'block' ? 'blocked' : 'done'}.`,
        ],
      };
    case 'missingComment':
      return {
        headline: 'A comment is required',
        lines: [
          `Defender keeps a comment with every ${error.verb} so that others know why. Nothing was ${error.verb === 'block' ? 'blocked' : 'changed'}.`,
          `Resend it with a reason: ${error.verb} ${error.hash.value} ‹comment›`,
        ],
      };
    case 'commentTooLong':
      return { headline: 'The comment is too long', lines: [`It has ${error.length} characters; the limit is ${error.max}. Nothing was done.`] };
    case 'badOption':
      return {
        headline: `The option ${shown(error.key, { max: LINE_MAX })} is not valid`,
        lines: [`"${shown(shortened(error.value), { max: LINE_MAX })}": ${error.hint}. Nothing was blocked.`],
      };
    case 'allowIsItsOwnCommand':
      return {
        headline: 'Allowing is not blocking',
        lines: [
          `Nothing was blocked or allowed. An Allowed indicator stops Defender from blocking or alerting on the file, so it has its own command, which asks you to confirm: allow ${error.hash?.value ?? '‹hash›'} ‹comment›`,
        ],
      };
    case 'unknownExportFormat':
      return { headline: 'Unknown export format', lines: [`"${shown(error.given, { max: LINE_MAX })}": use history export csv or history export json.`] };
    case 'unknownCommand':
      return { headline: 'I did not understand that', lines: [`"${shown(error.word, { max: LINE_MAX })}" is not a command. Send "help" for the list.`] };
    case 'tooLong':
      return {
        headline: 'The message is too long',
        lines: [
          `The message has ${error.length} characters; the bot reads at most ${error.max}. Nothing was done.`,
          'To block a longer list of hashes, attach it as a CSV file instead.',
        ],
      };
  }
}
