import { parseCommand, MAX_COMMENT_LENGTH } from '../../src/commands/parse';
import { parseBlockFields, type BlockFields } from '../../src/commands/parse-block-fields';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const MD5 = 'b'.repeat(32);
const sha1 = { value: SHA1, type: 'Sha1' };
const longComment = 'x'.repeat(MAX_COMMENT_LENGTH + 1);

describe('parseBlockFields: the form and the text grammar agree', () => {
  it.each<[string, BlockFields, string]>([
    ['a hash and a comment', { hash: SHA1, comment: 'Dropper from alert 32123' }, `block ${SHA1} Dropper from alert 32123`],
    ['an upper-case MD5 in quotes', { hash: `"${MD5.toUpperCase()}"`, comment: 'why' }, `block "${MD5.toUpperCase()}" why`],
    [
      'every option',
      { hash: SHA1, comment: 'why', action: 'Audit', expires: '30d', severity: 'High', groups: 'Tier 0, Servers' },
      `block ${SHA1} action:Audit expires:30d severity:High groups:"Tier 0, Servers" why`,
    ],
    ['an expiry date', { hash: SHA1, comment: 'why', expires: '2027-01-31' }, `block ${SHA1} expires:2027-01-31 why`],
    ['blank option fields', { hash: SHA1, comment: ' why ', action: '', expires: ' ', severity: '', groups: '' }, `block ${SHA1} why`],
    ['a multi-line comment', { hash: SHA1, comment: 'first\nsecond' }, `block ${SHA1} first\nsecond`],
  ])('%s: the same block', (_name, fields, text) => {
    const form = parseBlockFields(fields);
    expect(form.ok).toBe(true);
    expect(form).toEqual(parseCommand(text));
  });

  it.each<[string, BlockFields, string, object]>([
    ['not a hash', { hash: 'xyz', comment: 'why' }, 'block xyz why', { reason: 'notAHash', verb: 'block', given: 'xyz' }],
    ['a quoted non-hash', { hash: "'1234'", comment: 'why' }, "block '1234' why", { reason: 'notAHash', verb: 'block', given: '1234' }],
    ['no comment', { hash: SHA1, comment: '' }, `block ${SHA1}`, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    ['a blank comment', { hash: SHA1, comment: '   \n ' }, `block ${SHA1}   \n `, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    ['options but no comment', { hash: SHA1, action: 'Audit' }, `block ${SHA1} action:audit`, { reason: 'missingComment', verb: 'block', hash: sha1 }],
    [
      'a comment too long',
      { hash: SHA1, comment: longComment },
      `block ${SHA1} ${longComment}`,
      { reason: 'commentTooLong', verb: 'block', length: MAX_COMMENT_LENGTH + 1, max: MAX_COMMENT_LENGTH },
    ],
    ['a bad action', { hash: SHA1, comment: 'why', action: 'nuke' }, `block ${SHA1} action:nuke why`, { reason: 'badOption', verb: 'block', key: 'action', value: 'nuke' }],
    ['a bad expiry', { hash: SHA1, comment: 'why', expires: '0d' }, `block ${SHA1} expires:0d why`, { reason: 'badOption', verb: 'block', key: 'expires', value: '0d' }],
    [
      'a bad severity',
      { hash: SHA1, comment: 'why', severity: 'extreme' },
      `block ${SHA1} severity:extreme why`,
      { reason: 'badOption', verb: 'block', key: 'severity', value: 'extreme' },
    ],
    ['groups that name none', { hash: SHA1, comment: 'why', groups: ' , ' }, `block ${SHA1} groups:"," why`, { reason: 'badOption', verb: 'block', key: 'groups' }],
    ['a bad option and no comment: the option is reported', { hash: SHA1, action: 'nuke' }, `block ${SHA1} action:nuke`, { reason: 'badOption', verb: 'block', key: 'action' }],
    [
      'not a hash and a bad option: the hash is reported',
      { hash: 'xyz', comment: 'why', action: 'nuke' },
      'block xyz action:nuke why',
      { reason: 'notAHash', verb: 'block', given: 'xyz' },
    ],
  ])('%s: the same error', (_name, fields, text, error) => {
    const form = parseBlockFields(fields);
    const typed = parseCommand(text);
    expect(form).toMatchObject({ ok: false, error });
    expect(form).toEqual(typed);
  });

  it('a missing hash is the error "request block" gives without one ("block" alone opens the form)', () => {
    expect(parseBlockFields({ hash: '  ', comment: 'why' })).toEqual({ ok: false, error: { reason: 'missingHash', verb: 'block' } });
    expect(parseBlockFields({ comment: 'why' })).toEqual(parseCommand('request block'));
  });

  it('the hash field is the whole hash: a second word makes it no hash', () => {
    expect(parseBlockFields({ hash: `${SHA1} extra`, comment: 'why' })).toEqual({ ok: false, error: { reason: 'notAHash', verb: 'block', given: `${SHA1} extra` } });
  });
});
