import { prefixUpperBound } from '../../src/storage/prefix-range';

describe('prefixUpperBound', () => {
  it.each([
    ['abc', 'abd'],
    ['a%', 'a&'],
    ['a\ud7ff', 'a\ue000'],
    ['a\u{10ffff}', 'b'],
    ['😀', '😁'],
    ['\uffff', '\u{10000}'],
  ])('bounds %p by %p', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
  });

  it.each(['', '\u{10ffff}\u{10ffff}'])('has no bound for %p', (prefix) => {
    expect(prefixUpperBound(prefix)).toBeUndefined();
  });
});
