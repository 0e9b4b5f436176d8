import { describe, expect, it } from 'vitest';

import { parseProjectId } from './projectId';

describe('parseProjectId', () => {
  it('accepts positive whole numbers only', () => {
    expect(parseProjectId('12')).toBe(12);
    for (const text of [undefined, '', '0', '-3', '1.5', '007', '12abc', '1e3']) {
      expect(parseProjectId(text)).toBeNull();
    }
  });
});
