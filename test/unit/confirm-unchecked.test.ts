import { confirmBlockReply } from '../../src/cards/confirm-views';
import { CardVerb } from '../../src/cards/card-verbs';
import { cardTexts } from '../fixtures/card-texts';

const HASH = { value: '7327d1a3d2c3c6ad9e63c1a2a8b9d0e1f2a3b4c5', type: 'Sha1' as const };

describe('confirmBlockReply: checks that could not be made', () => {
  it('asks "block anyway?" for each failed lookup, with the reason made inert, and a Block anyway button', () => {
    const reply = confirmBlockReply(
      HASH,
      [
        { kind: 'existingUnchecked', reason: 'Defender is busy **now**' },
        { kind: 'detailsUnchecked', reason: 'Too many requests' },
      ],
      'c-1',
      { expiresAt: '2026-12-01T10:30:00Z' },
    );
    const texts = cardTexts(reply.card.content);

    expect(texts).toEqual(
      expect.arrayContaining([
        'Check before blocking',
        'Nothing has been sent to Defender yet.',
        'Could not check whether the file is already blocked',
        "Defender's lookup failed (Defender is busy \\*\\*now\\*\\*). Blocking would replace an indicator already in force, if there is one. Block anyway?",
        'Could not check who signed the file or how widespread it is',
        "Defender's lookup failed (Too many requests). The file may be Microsoft-signed or on many devices. Block anyway?",
      ]),
    );
    const actions = JSON.stringify(reply.card.content);
    expect(actions).toContain('"title":"Block anyway"');
    expect(actions).toContain(`"verb":"${CardVerb.Confirm}"`);
    expect(reply.summary).toContain('Could not check whether the file is already blocked');
  });
});
