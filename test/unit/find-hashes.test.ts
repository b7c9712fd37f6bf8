import { createHash } from 'node:crypto';
import { findHashes } from '../../src/commands/find-hashes';
import { parseCommand } from '../../src/commands/parse';
import { messageText } from '../../src/bot/message-action-protocol';

const sha256 = (seed: string) => createHash('sha256').update(seed).digest('hex');
const sha1 = (seed: string) => createHash('sha1').update(seed).digest('hex');
const md5 = (seed: string) => createHash('md5').update(seed).digest('hex');
const values = (text: string) => findHashes(text).hashes.map((h) => `${h.type}:${h.value}`);

const A = sha256('a');
const B = sha256('b');
const S = sha1('s');
const M = md5('m');

describe('findHashes: every SHA-1, SHA-256 and MD5 in free text, distinct and in order', () => {
  it.each([
    ['one per line', `${A}\n${S}\n${M}`, [`Sha256:${A}`, `Sha1:${S}`, `Md5:${M}`]],
    ['repeats once, in first-seen order, case folded', `${S} ${A.toUpperCase()} ${S} ${A}`, [`Sha1:${S}`, `Sha256:${A}`]],
    ['inside a code fence', '```\n' + `sha256: ${A}\n` + '```', [`Sha256:${A}`]],
    ['next to defanged URLs', `hxxps://evil[.]com/${A}[.]exe and hxxp://1.2.3[.]4/?h=${S}`, [`Sha256:${A}`, `Sha1:${S}`]],
    ['with labels and punctuation', `SHA1=${S}; "md5":"${M}", (${A})`, [`Sha1:${S}`, `Md5:${M}`, `Sha256:${A}`]],
    ['in a file name with underscores', `sample_${M}_x.bin`, [`Md5:${M}`]],
    ['a 65-digit hex run is no hash', `${A}f`, []],
    ['a 128-digit hex run is no hash (nor two SHA-256s)', `${A}${B}`, []],
    ['a hex run glued to letters is no hash', `x${S}`, []],
    ['a hash glued to a digit-letter word is no hash', `${M}z1`, []],
    ['40 digits of a 64-digit hash are not a SHA-1', `prefix ${A.slice(0, 40)}${A.slice(40)} suffix`, [`Sha256:${A}`]],
    ['a GUID has no hash', '6d1c0c9e-5f2a-4c1b-9a8e-0b7c3d2e1f00', []],
    ['no hash at all', 'nothing to see here', []],
  ])('%s', (_name, text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it('stops at `max` and says more were there', () => {
    const text = [A, B, S, M].join('\n');
    expect(findHashes(text, 2)).toEqual({ hashes: [expect.objectContaining({ value: A }), expect.objectContaining({ value: B })], more: true });
    expect(findHashes(text, 4).more).toBe(false);
  });

  it('reads a long hostile run in one pass (a megabyte of hex with no boundary gives nothing)', () => {
    expect(findHashes('a'.repeat(1_000_000)).hashes).toEqual([]);
    expect(findHashes(`${'0'.repeat(1_000_000)} ${S}`).hashes.map((h) => h.value)).toEqual([S]);
  });
});

describe('messageText: the message-action payload as plain text', () => {
  it('strips HTML, keeps mentions as names and decodes entities', () => {
    const payload = { body: { contentType: 'html' as const, content: `<p><at id="0">Ana Analyst</at> found &lt;<b>${S}</b>&gt;&nbsp;on&#32;a&amp;b</p>` } };
    expect(messageText(payload)).toBe(`@Ana Analyst found <${S}> on a&b`);
  });

  it('ends a line at the close of a table cell, a code block or a heading, so hashes are not glued to what follows', () => {
    const payload = { body: { contentType: 'html' as const, content: `<table><tr><td>${S}</td><td>Trojan</td></tr></table><pre>${M}</pre>next<h3>${A}</h3>done` } };
    expect(findHashes(messageText(payload)).hashes.map((h) => h.value)).toEqual([S, M, A]);
  });

  it('an image or emoji between two MD5s keeps them two MD5s: they are never read as one SHA-256 the reader does not see', () => {
    const [left, right] = [A.slice(0, 32), A.slice(32)];
    for (const between of ['<img src="https://x.example/i.png" alt="">', '<emoji id="smile" alt="🙂" title="Smile"></emoji>', '<hr>', '<attachment id="a1"></attachment>']) {
      const payload = { body: { contentType: 'html' as const, content: `<p>${left}${between}${right}</p>` } };
      expect(findHashes(messageText(payload)).hashes.map((h) => `${h.type}:${h.value}`)).toEqual([`Md5:${left}`, `Md5:${right}`]);
    }
  });

  it('reads at most 256 KB of HTML and never a hash cut in two at the end', () => {
    const filler = 'x '.repeat(128 * 1024 - 10);
    const payload = { body: { contentType: 'html' as const, content: `${filler}${A}` } };
    expect(findHashes(messageText(payload)).hashes).toEqual([]);
  });
});

describe('pasted hashes: no command word, only hashes', () => {
  const bulk = (text: string) => {
    const parsed = parseCommand(text);
    if (!parsed.ok || parsed.command.kind !== 'bulkBlock') throw new Error(`not a bulk block: ${JSON.stringify(parsed)}`);
    return parsed.command;
  };

  it('one hash per line: a pasted bulk list, no comments', () => {
    expect(bulk(`${A}\n${S}`)).toEqual({
      kind: 'bulkBlock',
      pasted: true,
      options: {},
      lines: [
        { line: 1, text: A, hash: { type: 'Sha256', value: A } },
        { line: 2, text: S, hash: { type: 'Sha1', value: S } },
      ],
    });
  });

  it('hash,comment lines and a CSV header keep each line and its comment; a mistyped hash is listed as unusable', () => {
    const command = bulk(`sha256,comment\n${A},campaign 7\n${B.slice(0, 60)},typo\n${S};"phish, wave 2"`);
    expect(command.lines.map((l) => [l.line, l.hash?.value, l.comment, l.problem])).toEqual([
      [2, A, 'campaign 7', undefined],
      [3, undefined, undefined, expect.stringMatching(/is not a SHA-1, SHA-256 or MD5/)],
      [4, S, 'phish, wave 2', undefined],
    ]);
  });

  it('a copied alert: its hashes, without comments', () => {
    const alert = `Alert: Suspicious file observed\nDevice: ws-042\nSHA256: ${A}\nParent SHA1: ${S}\nSee hxxps://portal[.]example/alerts/1`;
    expect(bulk(alert).lines.map((l) => l.hash?.value)).toEqual([A, S]);
  });

  it.each([
    ['no hash: the help answer', 'what can you do?'],
    ['a first line asking for an unblock is not offered as a block', `please unblock ${S}`],
    ['nor a request to allow it', `can we allowlist ${S}? it is our installer`],
  ])('%s', (_name, text) => {
    expect(parseCommand(text)).toMatchObject({ ok: false, error: { reason: 'unknownCommand' } });
  });

  it('a command word still wins', () => {
    expect(parseCommand(`status ${S}`)).toEqual({ ok: true, command: { kind: 'status', hash: { type: 'Sha1', value: S } } });
  });
});
