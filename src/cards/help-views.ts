// Placeholders use ‹ › rather than < >, which Teams' Markdown would swallow as HTML tags.
import type { ParseError } from '../commands/parse';
import { CardVerb } from './card-verbs';
import { noticeReply } from './notice';
import { renderCard, type Reply } from './render';
import { markdownSafe } from './safe-text';

const EXAMPLE = 'block 7327b54fd718525cbca07dacde913b5ac3c85673 Dropper from phishing alert 32123';

const COMMANDS = [
  { usage: 'block ‹hash› ‹comment›', description: 'Block the file everywhere in the organization (SHA-1; SHA-256 and MD5 too on the Indicators API). The comment is required and stays with the action in Defender.' },
  {
    usage: 'block ‹hash› action:audit expires:30d severity:high groups:"Servers" ‹comment›',
    description: 'Options (Indicators API): action block, remediate, audit, warn or allow; expires in days, a date or never; severity; device groups.',
  },
  { usage: 'block (alone)', description: 'Opens the block form.' },
  { usage: 'block ‹comment› + one hash per line', description: 'Blocks many files at once (lines may be "hash,comment"); or attach a CSV file.' },
  { usage: 'request block ‹hash› ‹comment›', description: 'Asks a colleague with the role to approve the block (four eyes); the card goes to the SOC channel.' },
  { usage: 'unblock ‹hash› ‹comment›', description: 'Lifts a block.' },
  { usage: 'status ‹hash›', description: 'Block state and what Defender knows of the file (Security Reader may use it).' },
  { usage: 'history [‹hash›] / history export [csv|json]', description: 'Who did what, when and why.' },
  { usage: 'sign in / sign out', description: 'Sign in so the bot acts as you in Defender, or end that sign-in.' },
  { usage: 'help', description: 'Show this card.' },
];

/** The help card: commands, an example, who may block, and a button to the block form. */
export function helpReply(mode: 'local' | 'production'): Reply {
  const footer =
    mode === 'local'
      ? 'Local mode: actions go to the built-in Defender simulator; no real device is affected.'
      : 'Blocking needs the Security Administrator or Global Administrator directory role. Defender records you as the requestor.';
  const card = renderCard('help', { commands: COMMANDS, example: EXAMPLE, footer, verbs: CardVerb });
  return { card, summary: 'Defender Block Bot commands: block, unblock, status, history, sign in, sign out, help' };
}

/** A clear answer for a message that is not a valid command. */
export function parseErrorReply(error: ParseError): Reply {
  const { headline, lines } = explain(error);
  return noticeReply(headline, lines, { example: EXAMPLE });
}

function explain(error: ParseError): { headline: string; lines: string[] } {
  switch (error.reason) {
    case 'missingHash':
      return { headline: 'Which file?', lines: [`Nothing was done. Give the file's hash: ${error.verb} ‹hash›${error.verb === 'status' ? '' : ' ‹comment›'}`] };
    case 'notAHash':
      return {
        headline: 'This is not a file hash',
        lines: [
          `"${markdownSafe(error.given)}" is not a SHA-1 (40 hexadecimal characters), SHA-256 (64) or MD5 (32). Nothing was ${error.verb === 'block' ? 'blocked' : 'done'}.`,
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
      return { headline: `The option ${markdownSafe(error.key)} is not valid`, lines: [`"${markdownSafe(error.value)}": ${error.hint}. Nothing was blocked.`] };
    case 'unknownExportFormat':
      return { headline: 'Unknown export format', lines: [`"${markdownSafe(error.given)}": use history export csv or history export json.`] };
    case 'unknownCommand':
      return { headline: 'I did not understand that', lines: [`"${markdownSafe(error.word)}" is not a command. Send "help" for the list.`] };
  }
}
