import { turnErrorLines } from '../../src/bot/adapter';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

describe('the answer to an unexpected error in a turn', () => {
  it.each([
    ['a block command', { text: `block ${SHA1} dropper` }, `Send "status ${SHA1}" to see what Defender holds before trying again.`],
    ['a mention then allow', { text: `<at>Bot</at> allow ${SHA1} vendor tool` }, `Send "status ${SHA1}" to see what Defender holds before trying again.`],
    ['a confirm button', { value: { verb: 'block.confirm', confirmationId: 'c-1' } }, 'Send "status ‹hash›" to see what Defender holds before trying again.'],
  ])('after %s says the outcome is unknown and points to status, never that nothing was blocked', (_what, activity, status) => {
    const lines = turnErrorLines(activity);
    expect(lines).toEqual(['The bot hit an unexpected error, so the outcome is unknown: the file may or may not be blocked.', status]);
  });

  it('after any other message claims nothing about blocks', () => {
    const lines = turnErrorLines({ text: 'history' });
    expect(lines).toEqual(['The bot hit an unexpected error, so it cannot tell what was done. Check before sending the message again.']);
    expect(lines.join(' ')).not.toMatch(/nothing was blocked/i);
  });
});
