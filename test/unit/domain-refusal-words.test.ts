import { refusalInWords, type Refusal } from '../../src/domain/outcomes';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';

describe('refusalInWords: what an approval card and its notices say when the approved action failed', () => {
  const cases: [string, Refusal, string][] = [
    [
      'a missing role',
      { kind: 'denied', heldRoles: [], neededRoles: [DirectoryRole.SecurityAdministrator, DirectoryRole.GlobalAdministrator] },
      'The approver does not hold the Security Administrator or Global Administrator role.',
    ],
    [
      'a missing role of another set',
      { kind: 'denied', heldRoles: [], neededRoles: [DirectoryRole.GlobalAdministrator] },
      'The approver does not hold the Global Administrator role.',
    ],
    ['roles that could not be read', { kind: 'rolesUnavailable', detail: 'Graph answered 503' }, 'The directory roles of the approver could not be checked (Graph answered 503).'],
    ['a token that could not be had', { kind: 'tokenFailed', error: new TokenError('unavailable', 'x') }, 'The bot could not get a token to act on behalf of the approver.'],
    ['a sign-in to renew', { kind: 'tokenFailed', error: new TokenError('interactionRequired', 'x') }, 'The sign-in of the approver needs to be renewed.'],
    ['missing consent', { kind: 'tokenFailed', error: new TokenError('consentRequired', 'x') }, 'Consent is needed before the bot can act on behalf of the approver.'],
    ['a revoked sign-in', { kind: 'tokenFailed', error: new TokenError('invalidGrant', 'x') }, 'The sign-in of the approver has expired or was revoked.'],
    [
      "Defender's own error text, with the answer it came in",
      { kind: 'failed', error: new DefenderError('forbidden', 'Missing Machine.ReadWrite.All', { httpStatus: 403 }) },
      'Defender answered HTTP 403: Missing Machine.ReadWrite.All',
    ],
    [
      "the bot's own sentence about an answer",
      { kind: 'failed', error: new DefenderError('rateLimited', 'Defender asked to wait 30 s more before the next call.', { httpStatus: 429 }) },
      'Defender asked to wait 30 s more before the next call.',
    ],
    [
      'an audit trail that refused the intent',
      { kind: 'failed', error: new DefenderError('notSent', 'The bot could not write its audit trail, so nothing was sent to Defender.') },
      'The bot could not write its audit trail, so nothing was sent to Defender.',
    ],
    [
      'a hash the API does not take',
      { kind: 'unsupportedHash', hash: { type: 'Md5', value: 'd41d8cd98f00b204e9800998ecf8427e' }, api: 'files', supported: ['Sha1', 'Sha256'] },
      'The files API does not take MD5 hashes.',
    ],
  ];

  it.each(cases)('%s: a sentence without reason codes', (_name, refusal, words) => {
    const said = refusalInWords(refusal, 'the approver');
    expect(said).toBe(words);
    expect(said).not.toMatch(/^(denied|rolesUnavailable|tokenFailed|notSent|forbidden|rateLimited|unavailable|token):/);
  });
});
