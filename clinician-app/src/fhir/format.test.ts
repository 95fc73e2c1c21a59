import { describe, expect, it } from 'vitest';
import { humanName } from './format';
import { toCsv } from './csv';

describe('format', () => {
  it('when a patient has an official and a nickname then the official name is shown', () => {
    expect(humanName([{ use: 'nickname', given: ['Bob'] }, { use: 'official', given: ['Robert'], family: 'Smith' }])).toBe(
      'Robert Smith',
    );
  });

  it('when a CSV cell starts like a formula then it is neutralised and quoted cells escape quotes', () => {
    expect(toCsv(['a', 'b'], [['=HYPERLINK("x")', 'say "hi", ok']])).toBe('a,b\r\n"\'=HYPERLINK(""x"")","say ""hi"", ok"\r\n');
  });
});
