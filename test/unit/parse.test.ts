import { parseCommand, MAX_COMMENT_LENGTH } from '../../src/commands/parse';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);

describe('parseCommand: block', () => {
  it.each([
    ['plain', `block ${SHA1} Dropper from alert 32123`, SHA1, 'Dropper from alert 32123'],
    ['upper-case hex and verb', `BLOCK ${SHA1.toUpperCase()} why`, SHA1, 'why'],
    ['extra spaces and tabs', `  block \t ${SHA1}    spaced   out  `, SHA1, 'spaced out'],
    ['channel HTML once the bot mention is removed', `<p> block ${SHA1} seen on 3 hosts</p>`, SHA1, 'seen on 3 hosts'],
    ['multi-line comment', `block ${SHA1} first line\nsecond line`, SHA1, 'first line\nsecond line'],
    ['HTML line breaks and entities', `block ${SHA1} a &amp; b<br>c &lt;d&gt;&nbsp;e`, SHA1, 'a & b\nc <d> e'],
    ['hash in backticks', `block \`${SHA1}\` quoted`, SHA1, 'quoted'],
    ['slash prefix', `/block ${SHA1} slash`, SHA1, 'slash'],
    ['other people mentioned in the comment', `block ${SHA1} per <at>Alice</at>`, SHA1, 'per @Alice'],
  ])('%s', (_name, text, hash, comment) => {
    const result = parseCommand(text);
    expect(result).toEqual({ ok: true, command: { kind: 'block', hash: { value: hash, type: 'Sha1' }, comment } });
  });

  it('keeps the mention text when the bot mention was not removed upstream', () => {
    const result = parseCommand(`<at>Defender Bot</at> block ${SHA1} x`);
    expect(result).toEqual({ ok: false, error: { reason: 'unknownCommand', word: '@Defender' } });
  });

  it.each([
    ['too short', `block 1234 why`, { reason: 'notSha1', verb: 'block', given: '1234', detected: undefined }],
    ['not hex', `block ${'z'.repeat(40)} why`, { reason: 'notSha1', verb: 'block', given: 'z'.repeat(40), detected: undefined }],
    ['a SHA-256', `block ${SHA256} why`, { reason: 'notSha1', verb: 'block', given: SHA256, detected: 'Sha256' }],
    ['an MD5', `block ${MD5} why`, { reason: 'notSha1', verb: 'block', given: MD5, detected: 'Md5' }],
    ['no hash', 'block', { reason: 'missingHash', verb: 'block' }],
    ['no comment', `block ${SHA1}`, { reason: 'missingComment', verb: 'block', hash: { value: SHA1, type: 'Sha1' } }],
    ['blank comment', `block ${SHA1}   \n  `, { reason: 'missingComment', verb: 'block', hash: { value: SHA1, type: 'Sha1' } }],
    ['comment too long', `block ${SHA1} ${'x'.repeat(MAX_COMMENT_LENGTH + 1)}`, { reason: 'commentTooLong', verb: 'block', length: MAX_COMMENT_LENGTH + 1, max: MAX_COMMENT_LENGTH }],
    ['unknown verb', 'nuke everything', { reason: 'unknownCommand', word: 'nuke' }],
  ])('%s is refused with a reason', (_name, text, error) => {
    expect(parseCommand(text)).toEqual({ ok: false, error });
  });
});

describe('parseCommand: help', () => {
  it.each(['help', 'HELP', '?', '', '   ', '<p></p>', 'hi'])('"%s" asks for help', (text) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'help' } });
  });
});

describe('parseCommand: sign-in and sign-out', () => {
  it.each(['sign in', 'Sign  In', 'login', 'log in', 'signin'])('"%s" asks to sign in', (text) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'signIn' } });
  });
  it.each(['logout', 'sign out', 'Log Out', 'signout'])('"%s" asks to sign out', (text) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'signOut' } });
  });
});
