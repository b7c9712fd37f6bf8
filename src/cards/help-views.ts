// Placeholders use ‹ › rather than < >, which Teams' Markdown would swallow as HTML tags.
import type { ParseError } from '../commands/parse';
import { HASH_NAMES } from '../domain/file-hash';
import { renderCard, type Reply } from './render';
import { markdownSafe } from './safe-text';
import { noticeReply } from './notice';

const EXAMPLE = 'block 7327b54fd718525cbca07dacde913b5ac3c85673 Dropper from phishing alert 32123';

const COMMANDS = [
  { usage: 'block ‹sha1› ‹comment›', description: 'Block the file everywhere in the organization. The comment is required and stays with the action in Defender.' },
  { usage: 'sign in / sign out', description: 'Sign in so the bot acts as you in Defender, or end that sign-in.' },
  { usage: 'help', description: 'Show this card.' },
];

/** The help card: commands, an example and who may block. */
export function helpReply(mode: 'local' | 'production'): Reply {
  const footer =
    mode === 'local'
      ? 'Local mode: blocks go to the built-in Defender simulator; no real device is affected.'
      : 'Blocking needs the Security Administrator or Global Administrator directory role. Defender records you as the requestor.';
  const card = renderCard('help', { commands: COMMANDS, example: EXAMPLE, footer });
  return { card, summary: 'Defender Block Bot commands: block ‹sha1› ‹comment›, sign in, sign out, help' };
}

/** A clear answer for a message that is not a valid command. */
export function parseErrorReply(error: ParseError): Reply {
  const { headline, lines } = explain(error);
  return noticeReply(headline, lines, { example: EXAMPLE });
}

function explain(error: ParseError): { headline: string; lines: string[] } {
  switch (error.reason) {
    case 'missingHash':
      return { headline: 'Which file?', lines: ['Nothing was blocked. Give the file\'s SHA-1 and a comment: block ‹sha1› ‹comment›'] };
    case 'notSha1':
      return {
        headline: 'This is not a SHA-1',
        lines: [
          error.detected
            ? `"${markdownSafe(error.given)}" looks like ${article(HASH_NAMES[error.detected])} ${HASH_NAMES[error.detected]}; block takes the file's SHA-1. Nothing was blocked.`
            : `"${markdownSafe(error.given)}" is not a SHA-1 (a SHA-1 is 40 hexadecimal characters, 0-9 and a-f). Nothing was blocked.`,
        ],
      };
    case 'missingComment':
      return {
        headline: 'A comment is required',
        lines: [
          'Defender keeps a comment with every block so that others know why. Nothing was blocked.',
          `Resend it with a reason: block ${error.hash.value} ‹comment›`,
        ],
      };
    case 'commentTooLong':
      return {
        headline: 'The comment is too long',
        lines: [`It has ${error.length} characters; the limit is ${error.max}. Nothing was blocked.`],
      };
    case 'unknownCommand':
      return {
        headline: 'I did not understand that',
        lines: [`"${markdownSafe(error.word)}" is not a command. Send "help" for the list.`],
      };
  }
}

function article(word: string): string {
  return word === 'MD5' ? 'an' : 'a';
}
