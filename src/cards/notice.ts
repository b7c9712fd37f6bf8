import { renderCard, type Reply } from './render';

/** A short card: a headline, a few lines, optionally an example command. */
export function noticeReply(headline: string, lines: readonly string[], options: { tone?: 'attention' | 'good' | 'default'; example?: string } = {}): Reply {
  const tone = options.tone ?? 'attention';
  const card = renderCard('notice', {
    headline,
    headlineColor: { attention: 'Attention', good: 'Good', default: 'Default' }[tone],
    lines,
    hasExample: !!options.example,
    example: options.example ?? '',
  });
  return { card, summary: `${headline} ${lines[0] ?? ''}`.trim() };
}
