import type { CardVerbName } from './card-verbs';
import { toneStyle, withUtcTimes, type Tone } from './card-text';
import { renderCard, type Reply } from './render';

/** A notice button: a card verb (Action.Execute, with an Action.Submit fallback), or a command sent as the user's message. */
export type NoticeAction =
  { readonly title: string; readonly verb: CardVerbName; readonly data: Readonly<Record<string, string>> } | { readonly title: string; readonly command: string };

/** A short card: a headline, a few lines, optionally an example command and buttons. */
export function noticeReply(headline: string, lines: readonly string[], options: { tone?: Tone; example?: string; actions?: readonly NoticeAction[] } = {}): Reply {
  const tone = options.tone ?? 'attention';
  const actions = options.actions ?? [];
  const card = renderCard('notice', {
    headline,
    tone: toneStyle(tone),
    lines,
    hasExample: !!options.example,
    example: options.example ?? '',
    executes: actions.flatMap((a) => ('verb' in a ? [{ title: a.title, verb: a.verb, data: a.data, submitData: { ...a.data, verb: a.verb } }] : [])),
    commands: actions.flatMap((a) => ('command' in a ? [{ title: a.title, data: { msteams: { type: 'imBack', value: a.command } } }] : [])),
  });
  return { card, summary: withUtcTimes(`${headline} ${lines[0] ?? ''}`.trim()) };
}
