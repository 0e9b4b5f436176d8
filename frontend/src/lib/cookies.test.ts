import { describe, expect, it } from 'vitest';

import { cookieValue } from './cookies';

describe('cookieValue', () => {
  it('finds a cookie among others, decoding it and keeping = in the value', () => {
    const cookies = 'theme=dark; mcuforge_csrf=abc%2Fdef==; other=1';
    expect(cookieValue(cookies, 'mcuforge_csrf')).toBe('abc/def==');
    expect(cookieValue(cookies, 'theme')).toBe('dark');
  });

  it('gives null for a missing cookie, a name prefix or no cookies', () => {
    expect(cookieValue('mcuforge_csrf_old=1', 'mcuforge_csrf')).toBeNull();
    expect(cookieValue('', 'mcuforge_csrf')).toBeNull();
  });
});
