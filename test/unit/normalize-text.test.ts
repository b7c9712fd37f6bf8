import { normalizeMessageText } from '../../src/commands/normalize-text';

const KB = 1024;

/** What the tag and entity expressions used before made of a message; the scanner must agree on every input. */
function byExpressions(raw: string): string {
  const entity = (whole: string, body: string): string => {
    const names: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
    if (body[0] !== '#') return names[body.toLowerCase()] ?? whole;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  };
  return raw
    .replace(/<at[^>]*>([\s\S]*?)<\/at>/gi, '@$1')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li)>\s*/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, entity)
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0|\u200b|\u200c|\u200d|\ufeff/g, (c) => (c === '\u00a0' ? ' ' : ''))
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

describe('normalizeMessageText: ordinary messages', () => {
  it.each([
    ['<p>block abc&nbsp;def</p>', 'block abc def'],
    ['<at>Defender Bot</at> block x', '@Defender Bot block x'],
    ['<at id="0">Jane Doe</at> said', '@Jane Doe said'],
    ['<AT>Jane</AT>', '@Jane'],
    ['one<br>two<BR/>three<br />four', 'one\ntwo\nthree\nfour'],
    ['<p>one</p>   <p>two</p><div>three</div><ul><li>four</li><li>five</li></ul>', 'one\ntwo\nthree\nfour\nfive'],
    ['<b>bold</b> <i>it</i>', 'bold it'],
    ['&lt;b&gt; stays text &amp;amp; once', '<b> stays text &amp; once'],
    ['&#65;&#x42;&#X43;&QUOT;&apos;', 'ABC"\''],
    ['&unknown; &#0; &#x110000; &#; &#x; &;', '&unknown; &#0; &#x110000; &#; &#x; &;'],
    ['a\u200bb\u200cc\u200dd\ufeffe\u00a0f', 'abcde f'],
    ['a&#8203;b', 'ab'],
    ['line\r\nline\rline', 'line\nline\nline'],
    ['  a \t  b  \n\n\n\n c  ', 'a b\n\nc'],
    ['<>', '<>'],
    ['a < b and c > d', 'a d'],
    ['5 < 6', '5 < 6'],
  ])('%j → %j', (input, output) => {
    expect(normalizeMessageText(input)).toBe(output);
  });
});

describe('normalizeMessageText: worst inputs give the right text', () => {
  it.each<[string, string, string]>([
    ['256 KB of <', '<'.repeat(256 * KB), '<'.repeat(256 * KB)],
    ['256 KB of < then one >', `${'<'.repeat(256 * KB)}>`, ''],
    ['256 KB of <<<< then text', `${'<<<<'.repeat(64 * KB)}text`, `${'<<<<'.repeat(64 * KB)}text`],
    ['<a <a <a … unclosed', '<a '.repeat(80 * KB), `${'<a '.repeat(80 * KB).trim()}`],
    ['<a <a <a … closed once at the end', `${'<a '.repeat(80 * KB)}>after`, 'after'],
    ['<at <at <at … unclosed', '<at '.repeat(64 * KB), '<at '.repeat(64 * KB).trim()],
    ['<at> opened 64 K times, never closed', '<at>'.repeat(64 * KB), ''],
    ['<at> opened 64 K times, closed once', `${'<at>'.repeat(64 * KB)}Jane</at>`, '@Jane'],
    ['nested mentions', '<at>Jane <at>Doe</at></at>', '@Jane Doe'],
    ['a mention around a line break', '<at>Jane<br>Doe</at>', '@Jane\nDoe'],
    ['</at> without an opening', 'x</at>y', 'xy'],
    ['<br <br <br … unclosed', '<br '.repeat(64 * KB), '<br '.repeat(64 * KB).trim()],
    ['</p </p </p … unclosed', '</p '.repeat(64 * KB), '</p '.repeat(64 * KB).trim()],
    ['a megabyte of &amp;', '&amp;'.repeat(200 * KB), '&'.repeat(200 * KB)],
    ['a megabyte of &amp;amp;', '&amp;amp;'.repeat(100 * KB), '&amp;'.repeat(100 * KB)],
    ['256 KB of &#', '&#'.repeat(128 * KB), '&#'.repeat(128 * KB)],
    ['256 KB of &#x', '&#x'.repeat(80 * KB), '&#x'.repeat(80 * KB)],
    ['a long decimal run without ;', `&#${'1'.repeat(256 * KB)}`, `&#${'1'.repeat(256 * KB)}`],
    ['a long decimal entity', `&#${'9'.repeat(1000)};`, `&#${'9'.repeat(1000)};`],
    ['a long name without ;', `&${'a'.repeat(256 * KB)}`, `&${'a'.repeat(256 * KB)}`],
    ['256 KB of &', '&'.repeat(256 * KB), '&'.repeat(256 * KB)],
    ['256 KB of spaces and tabs', ` \t`.repeat(128 * KB), ''],
    ['256 KB of zero-width spaces', '\u200b'.repeat(256 * KB), ''],
  ])('%s', (_label, input, output) => {
    expect(normalizeMessageText(input)).toBe(output);
  });
});

describe('normalizeMessageText agrees with the expressions it replaced', () => {
  const pieces = [
    '<',
    '>',
    '/',
    'at',
    'AT',
    '<at>',
    '</at>',
    '</AT>',
    '<br',
    '<BR>',
    '<br/>',
    '<br />',
    '</p>',
    '</div>',
    '</li>',
    '</P>',
    '<p>',
    ' ',
    '\t',
    '\n',
    '\r',
    '\u00a0',
    '\u200b',
    '\ufeff',
    '\u2028',
    '&',
    '&amp;',
    '&#',
    '&#x',
    'x',
    'X',
    '1',
    '9',
    'a',
    'f',
    ';',
    '&nbsp;',
    '&lt;',
    '#',
    'l',
    'i',
    'd',
    'v',
    'b',
    'r',
    'İ',
    'K',
  ];

  it('on 20,000 random short messages made of tag and entity pieces', () => {
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const differing: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const input = Array.from({ length: 1 + next(14) }, () => pieces[next(pieces.length)]).join('');
      if (normalizeMessageText(input) !== byExpressions(input)) differing.push(input);
    }
    expect(differing).toEqual([]);
  });
});
