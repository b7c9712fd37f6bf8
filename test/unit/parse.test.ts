import { parseCommand, MAX_COMMENT_LENGTH, MAX_MESSAGE_LENGTH } from '../../src/commands/parse';
import { optionsFromFields } from '../../src/commands/parse-options';
import { parseBulkLines } from '../../src/commands/parse-bulk';
import { parseBlockFields } from '../../src/commands/parse-block-fields';
import { explainParseError } from '../../src/cards/help-views';
import { markDuplicates } from '../../src/domain/bulk-intake';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);
const sha1 = { value: SHA1, type: 'Sha1' };

describe('block <hash> <comment>', () => {
  it.each([
    ['plain', `block ${SHA1} Dropper from alert 32123`, sha1, 'Dropper from alert 32123'],
    ['upper-case hex and verb', `BLOCK ${SHA1.toUpperCase()} why`, sha1, 'why'],
    ['extra spaces and tabs', `  block \t ${SHA1}    spaced   out  `, sha1, 'spaced out'],
    ['channel HTML once the bot mention is removed', `<p> block ${SHA1} seen on 3 hosts</p>`, sha1, 'seen on 3 hosts'],
    ['multi-line comment', `block ${SHA1} first line\nsecond line`, sha1, 'first line\nsecond line'],
    ['HTML line breaks and entities', `block ${SHA1} a &amp; b<br>c &lt;d&gt;&nbsp;e`, sha1, 'a & b\nc <d> e'],
    ['hash in backticks', `block \`${SHA1}\` quoted`, sha1, 'quoted'],
    ['slash prefix', `/block ${SHA1} slash`, sha1, 'slash'],
    ['other people mentioned in the comment', `block ${SHA1} per <at>Alice</at>`, sha1, 'per @Alice'],
    ['a SHA-256', `block ${SHA256} why`, { value: SHA256, type: 'Sha256' }, 'why'],
    ['an MD5', `block ${MD5.toUpperCase()} why`, { value: MD5, type: 'Md5' }, 'why'],
    ['a comment that merely starts like an option', `block ${SHA1} Action: remove the dropper`, sha1, 'Action: remove the dropper'],
  ])('%s', (_name, text, hash, comment) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'block', hash, comment, options: {} } });
  });

  it.each([
    ['action:audit', { action: 'Audit' }],
    ['action=remediate', { action: 'BlockAndRemediate' }],
    ['action:warn', { action: 'Warn' }],
    ['expires:30d', { expires: { days: 30 } }],
    ['expires:never', { expires: 'never' }],
    ['expiry:2027-01-31', { expires: { at: '2027-01-31T00:00:00Z' } }],
    ['severity:high', { severity: 'High' }],
    ['groups:"Tier 0, Servers"', { deviceGroups: ['Tier 0', 'Servers'] }],
    ['action:audit severity:low groups:Finance expires:7d', { action: 'Audit', severity: 'Low', deviceGroups: ['Finance'], expires: { days: 7 } }],
  ])('options %s', (options, parsed) => {
    expect(parseCommand(`block ${SHA1} ${options} the comment`)).toEqual({ ok: true, command: { kind: 'block', hash: sha1, comment: 'the comment', options: parsed } });
  });

  it.each([
    ['action:nuke', 'action', 'use one of Block, BlockAndRemediate, Audit, Warn (to allow a file, send "allow ‹hash› ‹comment›")'],
    ['expires:0d', 'expires', 'use a number of days like 30d'],
    ['expires:soon', 'expires', 'use a number of days like 30d'],
    ['severity:extreme', 'severity', 'use one of Informational, Low, Medium, High'],
    [`groups:"${Array.from({ length: 21 }, (_, i) => `g${i}`).join(',')}"`, 'groups', 'name at most 20 device groups (this names 21)'],
    [`groups:${'x'.repeat(101)}`, 'groups', 'a device group name has at most 100 characters (one here has 101)'],
  ])('refuses the bad option %s', (option, key, hint) => {
    const result = parseCommand(`block ${SHA1} ${option} comment`);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ reason: 'badOption', verb: 'block', key });
    expect(!result.ok && result.error.reason === 'badOption' && result.error.hint).toContain(hint);
  });

  it('accepts 20 device groups of 100 characters, and answers a huge groups option briefly', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(100, 'g'));
    expect(parseCommand(`block ${SHA1} groups:"${twenty.join(',')}" why`)).toMatchObject({ ok: true });
    const huge = parseCommand(`block ${SHA1} groups:"${Array.from({ length: 2000 }, (_, i) => `group-${i}`).join(',')}" why`);
    expect(!huge.ok && huge.error).toMatchObject({ reason: 'badOption', key: 'groups' });
    const { headline, lines } = explainParseError(!huge.ok ? huge.error : (undefined as never));
    expect(headline).toBe('The option groups is not valid');
    expect(lines[0]).toMatch(/^".{79}… \(\d+ characters\)": name at most 20 device groups \(this names 2000\); leave groups out to block on all devices\. Nothing was blocked\.$/);
  });

  it.each([
    ['too short', `block 1234 why`, { reason: 'notAHash', verb: 'block', given: '1234' }],
    ['not hex', `block ${'z'.repeat(40)} why`, { reason: 'notAHash', verb: 'block', given: 'z'.repeat(40) }],
    ['no comment', `block ${SHA1}`, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    ['options but no comment', `block ${SHA1} action:audit`, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    ['blank comment', `block ${SHA1}   \n  `, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    [
      'comment too long',
      `block ${SHA1} ${'x'.repeat(MAX_COMMENT_LENGTH + 1)}`,
      { reason: 'commentTooLong', verb: 'block', length: MAX_COMMENT_LENGTH + 1, max: MAX_COMMENT_LENGTH },
    ],
    ['unknown verb', 'nuke everything', { reason: 'unknownCommand', word: 'nuke' }],
  ])('%s is refused with a reason', (_name, text, error) => {
    expect(parseCommand(text)).toEqual({ ok: false, error });
  });

  it('keeps the mention text when the bot mention was not removed upstream (no command word: its hash goes to the review card)', () => {
    expect(parseCommand(`<at>Defender Bot</at> block ${SHA1} x`)).toEqual({
      ok: true,
      command: { kind: 'bulkBlock', pasted: true, options: {}, lines: [{ line: 1, text: SHA1, hash: { type: 'Sha1', value: SHA1 } }] },
    });
    expect(parseCommand('<at>Defender Bot</at> block it')).toEqual({ ok: false, error: { reason: 'unknownCommand', word: '@Defender' } });
  });
});

describe('allow is its own command; block action:allow is refused with a pointer to it', () => {
  it.each([
    ['plain', `allow ${SHA1} vendor updater, signed`, sha1, 'vendor updater, signed'],
    ['upper case, slash, the hash on the next line', `/ALLOW\n${SHA1.toUpperCase()} cleared by IR`, sha1, 'cleared by IR'],
    ['a SHA-256', `allow ${SHA256} why`, { value: SHA256, type: 'Sha256' }, 'why'],
  ])('%s', (_name, text, hash, comment) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'allow', hash, comment } });
  });

  it.each([
    ['no hash', 'allow', { reason: 'missingHash', verb: 'allow' }],
    ['not a hash', 'allow 1234 why', { reason: 'notAHash', verb: 'allow', given: '1234' }],
    ['no comment', `allow ${SHA1}`, { reason: 'missingComment', verb: 'allow', hash: sha1 }],
    ['block action:allow', `block ${SHA1} action:allow vendor tool`, { reason: 'allowIsItsOwnCommand', hash: sha1 }],
    ['block action=Allowed among other options', `block ${SHA1} severity:low action=Allowed x`, { reason: 'allowIsItsOwnCommand', hash: sha1 }],
    ['request block action:allow', `request block ${SHA1} action:allow x`, { reason: 'allowIsItsOwnCommand', hash: sha1 }],
    ['a bulk block with action:allow', `block action:allow campaign\n${SHA1}`, { reason: 'allowIsItsOwnCommand' }],
  ])('%s', (_name, text, error) => {
    expect(parseCommand(text)).toEqual({ ok: false, error });
  });

  it('refuses Allow from the block form the same way', () => {
    expect(parseBlockFields({ hash: SHA1, comment: 'x', action: 'Allowed' })).toEqual({ ok: false, error: { reason: 'allowIsItsOwnCommand', hash: sha1 } });
  });

  it('says why and points at allow, with the hash filled in', () => {
    const { headline, lines } = explainParseError({ reason: 'allowIsItsOwnCommand', hash: { value: SHA1, type: 'Sha1' } });
    expect(headline).toBe('Allowing is not blocking');
    expect(lines.join(' ')).toContain(`allow ${SHA1} ‹comment›`);
    expect(lines.join(' ')).toContain('stops Defender from blocking or alerting on the file');
  });
});

describe('block form and bulk', () => {
  it('"block" alone opens the form', () => {
    expect(parseCommand('block')).toEqual({ ok: true, command: { kind: 'blockForm' } });
  });

  it('block + lines of hashes is a bulk block with a shared comment and options', () => {
    const result = parseCommand(`block action:audit Phishing campaign 42\n${SHA1}\n${SHA256}, its own comment\n\nnot-a-hash`);
    expect(result.ok && result.command).toEqual({
      kind: 'bulkBlock',
      sharedComment: 'Phishing campaign 42',
      options: { action: 'Audit' },
      lines: [
        { line: 1, text: SHA1, hash: sha1, comment: undefined },
        { line: 2, text: `${SHA256}, its own comment`, hash: { value: SHA256, type: 'Sha256' }, comment: 'its own comment' },
        { line: 4, text: 'not-a-hash', problem: '"not-a-hash" is not a SHA-1, SHA-256 or MD5' },
      ],
    });
  });

  it('"block" with an attached file is a bulk block even without lines', () => {
    expect(parseCommand('block quarterly IOC list', { hasFile: true })).toEqual({
      ok: true,
      command: { kind: 'bulkBlock', lines: [], sharedComment: 'quarterly IOC list', options: {} },
    });
  });

  it('bulk lines accept hash;comment, hash<TAB>comment and a header row, and mark duplicates', () => {
    const lines = markDuplicates(parseBulkLines(`sha1,comment\n${SHA1};first\n${MD5}\tsecond\n${SHA1.toUpperCase()},again`));
    expect(lines.map((l) => [l.line, l.hash?.type, l.comment, l.problem])).toEqual([
      [2, 'Sha1', 'first', undefined],
      [3, 'Md5', 'second', undefined],
      [4, 'Sha1', 'again', 'same hash as line 2'],
    ]);
  });
});

describe('unblock, status, history', () => {
  it.each([
    [`unblock ${SHA1} false positive, vendor tool`, { kind: 'unblock', hash: sha1, comment: 'false positive, vendor tool' }],
    [`request block ${SHA1} action:audit please review`, { kind: 'requestBlock', hash: sha1, comment: 'please review', options: { action: 'Audit' } }],
    [`status ${SHA1}`, { kind: 'status', hash: sha1 }],
    [`check ${MD5}`, { kind: 'status', hash: { value: MD5, type: 'Md5' } }],
    ['history', { kind: 'history' }],
    [`history ${SHA1}`, { kind: 'history', hash: sha1 }],
    ['history export', { kind: 'historyExport', format: 'csv' }],
    ['history export JSON', { kind: 'historyExport', format: 'json' }],
  ])('%s', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['unblock', { reason: 'missingHash', verb: 'unblock' }],
    [`unblock ${SHA1}`, { reason: 'missingComment', verb: 'unblock', hash: sha1 }],
    ['status', { reason: 'missingHash', verb: 'status' }],
    ['status abc', { reason: 'notAHash', verb: 'status', given: 'abc' }],
    ['history export xml', { reason: 'unknownExportFormat', given: 'xml' }],
    ['request block', { reason: 'missingHash', verb: 'block' }],
    [`request block ${SHA1}`, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    ['request coffee', { reason: 'unknownCommand', word: 'request' }],
  ])('%s is refused with a reason', (text, error) => {
    expect(parseCommand(text)).toEqual({ ok: false, error });
  });
});

describe('help, sign-in and sign-out', () => {
  it.each(['help', 'HELP', '?', '', '   ', '<p></p>', 'hi'])('"%s" asks for help', (text) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'help' } });
  });
  it.each(['sign in', 'Sign  In', 'login', 'log in', 'signin'])('"%s" asks to sign in', (text) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'signIn' } });
  });
  it.each(['logout', 'sign out', 'Log Out', 'signout'])('"%s" asks to sign out', (text) => {
    expect(parseCommand(text)).toEqual({ ok: true, command: { kind: 'signOut' } });
  });
});

describe('form fields', () => {
  it('reads the form choices', () => {
    expect(optionsFromFields({ action: 'Audit', expires: '30d', severity: 'High', groups: 'A, B' })).toEqual({
      action: 'Audit',
      expires: { days: 30 },
      severity: 'High',
      deviceGroups: ['A', 'B'],
    });
    expect(optionsFromFields({ action: '', expires: 'never', severity: '', groups: ' ' })).toEqual({ expires: 'never' });
    expect(optionsFromFields({ action: 'Explode' })).toMatchObject({ reason: 'badOption', key: 'action' });
  });
});

describe('aliases and whole messages', () => {
  it.each([
    [`lookup ${SHA256}`, { kind: 'status', hash: { value: SHA256, type: 'Sha256' } }],
    [`/status ${SHA1}`, { kind: 'status', hash: sha1 }],
    ['audit', { kind: 'history' }],
    ['audit export json', { kind: 'historyExport', format: 'json' }],
    ['hello', { kind: 'help' }],
    ['Commands', { kind: 'help' }],
    ['/?', { kind: 'help' }],
    ['help me', { kind: 'help' }],
    ['LOG IN', { kind: 'signIn' }],
    [`REQUEST BLOCK ${SHA1} why`, { kind: 'requestBlock', hash: sha1, comment: 'why', options: {} }],
  ])('%s', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it.each(['sign in now', 'sign up', 'please sign in'])('"%s" is not a sign-in: only the whole message counts', (text) => {
    expect(parseCommand(text)).toMatchObject({ ok: false, error: { reason: 'unknownCommand' } });
  });

  it('an empty message with a file is a bulk block; without one, help', () => {
    expect(parseCommand('', { hasFile: true })).toEqual({ ok: true, command: { kind: 'bulkBlock', lines: [], options: {} } });
    expect(parseCommand('', { hasFile: false })).toEqual({ ok: true, command: { kind: 'help' } });
  });

  it('a file does not change what sign in, help or status mean', () => {
    expect(parseCommand('sign in', { hasFile: true })).toEqual({ ok: true, command: { kind: 'signIn' } });
    expect(parseCommand('help', { hasFile: true })).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseCommand(`status ${SHA1}`, { hasFile: true })).toEqual({ ok: true, command: { kind: 'status', hash: sha1 } });
  });

  it.each([
    ['request block xyz why', { reason: 'notAHash', verb: 'block', given: 'xyz' }],
    [`request block ${SHA1} action:nuke why`, { reason: 'badOption', verb: 'block', key: 'action', value: 'nuke' }],
    ['history xyz', { reason: 'notAHash', verb: 'history', given: 'xyz' }],
    [`block shared ${'c'.repeat(MAX_COMMENT_LENGTH + 1)}\n${SHA1}`, { reason: 'commentTooLong', verb: 'block', length: MAX_COMMENT_LENGTH + 8, max: MAX_COMMENT_LENGTH }],
    ['/', { reason: 'unknownCommand', word: '/' }],
  ])('%s is refused with a reason', (text, error) => {
    expect(parseCommand(text)).toMatchObject({ ok: false, error });
  });
});

describe('unblock with the hash on the next line', () => {
  it('keeps the whole hash out of the comment', () => {
    expect(parseCommand(`unblock\n${SHA1} false positive`)).toEqual({
      ok: true,
      command: { kind: 'unblock', hash: { type: 'Sha1', value: SHA1 }, comment: 'false positive' },
    });
  });
});

describe('message length', () => {
  const SHA256 = 'a'.repeat(64);

  it('reads a message of exactly the limit', () => {
    const text = `block ${SHA256} ${'x'.repeat(MAX_MESSAGE_LENGTH - 71)}`;
    expect(text).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(parseCommand(text)).toMatchObject({ ok: false, error: { reason: 'commentTooLong' } });
  });

  it.each([
    ['one character over', `block ${SHA256} ${'x'.repeat(MAX_MESSAGE_LENGTH - 70)}`],
    ['256 KB of <', '<'.repeat(256 * 1024)],
    ['a pasted list of 15,000 hash,comment lines', `block\n${Array.from({ length: 15000 }, (_, i) => `${SHA256},line ${i}`).join('\n')}`],
  ])('refuses %s as too long, before reading it', (_label, text) => {
    expect(parseCommand(text)).toEqual({ ok: false, error: { reason: 'tooLong', length: text.length, max: MAX_MESSAGE_LENGTH } });
  });

  it('the limit is well above what Teams lets a person send (about 28 KB), and a pasted list of 800 SHA-256 lines with comments fits', () => {
    expect(MAX_MESSAGE_LENGTH).toBeGreaterThanOrEqual(2 * 28 * 1024);
    const text = `block from alert 32123\n${Array.from({ length: 800 }, (_, i) => `${i.toString(16).padStart(64, '0')},host ${i}`).join('\n')}`;
    expect(text.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    const parsed = parseCommand(text);
    expect(parsed.ok && parsed.command.kind === 'bulkBlock' && parsed.command.lines.length).toBe(800);
  });
});
