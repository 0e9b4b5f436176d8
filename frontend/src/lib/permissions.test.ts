import { describe, expect, it } from 'vitest';

import { projectPermissions, roleTitle } from './permissions';

describe('projectPermissions', () => {
  it.each([
    ['owner', true, true],
    ['editor', true, false],
    ['viewer', false, false],
    [null, false, false],
    [undefined, false, false],
  ] as const)('role %s: write %s, manage %s', (role, canWrite, canManage) => {
    expect(projectPermissions(role)).toEqual({ canWrite, canManage });
  });
});

describe('roleTitle', () => {
  it('capitalises roles and names the non-member case', () => {
    expect(roleTitle('editor')).toBe('Editor');
    expect(roleTitle(null)).toBe('Public (read only)');
  });
});
