import { describe, expect, it } from 'vitest';

import { documentTitle } from './useDocumentTitle';

describe('documentTitle', () => {
  it('joins the page parts before the product name and skips missing ones', () => {
    expect(documentTitle(['Data acquisition', 'Keywords'])).toBe(
      'Data acquisition · Keywords · mcuforge',
    );
    expect(documentTitle(['Dashboard', undefined, '  '])).toBe('Dashboard · mcuforge');
    expect(documentTitle([])).toBe('mcuforge');
  });
});
