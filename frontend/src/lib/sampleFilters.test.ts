import { describe, expect, it } from 'vitest';

import {
  clampPage,
  DEFAULT_PAGE_SIZE,
  pageCount,
  pageRangeText,
  parseSampleFilters,
  sampleFiltersToParams,
  sampleListQuery,
  withFilter,
} from './sampleFilters';

describe('parseSampleFilters', () => {
  it('reads label, category, 1-based page and page size from the URL', () => {
    const filters = parseSampleFilters(
      new URLSearchParams('label=yes&category=testing&page=3&pageSize=50'),
    );
    expect(filters).toEqual({ label: 'yes', category: 'testing', page: 2, pageSize: 50 });
  });

  it('falls back to defaults for values that are not allowed', () => {
    const filters = parseSampleFilters(
      new URLSearchParams('label=%20%20&category=validation&page=-2&pageSize=7'),
    );
    expect(filters).toEqual({ label: null, category: null, page: 0, pageSize: DEFAULT_PAGE_SIZE });
  });

  it('round-trips through the URL, leaving defaults out', () => {
    const filters = { label: 'no', category: 'training' as const, page: 4, pageSize: 10 };
    const params = sampleFiltersToParams(filters);
    expect(params.toString()).toBe('label=no&category=training&page=5&pageSize=10');
    expect(parseSampleFilters(params)).toEqual(filters);
    expect(sampleFiltersToParams(parseSampleFilters(new URLSearchParams())).toString()).toBe('');
  });
});

describe('withFilter and sampleListQuery', () => {
  it('goes back to the first page when a filter changes', () => {
    const onPage3 = { label: null, category: null, page: 2, pageSize: 20 };
    const changed = withFilter(onPage3, { category: 'testing' });
    expect(changed.page).toBe(0);
    expect(changed.category).toBe('testing');
  });

  it('turns page and size into offset and limit and omits absent filters', () => {
    expect(sampleListQuery({ label: null, category: null, page: 2, pageSize: 20 })).toEqual({
      offset: 40,
      limit: 20,
    });
    expect(sampleListQuery({ label: 'yes', category: 'training', page: 0, pageSize: 10 })).toEqual({
      label: 'yes',
      category: 'training',
      offset: 0,
      limit: 10,
    });
  });
});

describe('pages', () => {
  it('counts pages, with one page for an empty result', () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
  });

  it('moves to the last page when the current one no longer exists', () => {
    const filters = { label: null, category: null, page: 5, pageSize: 20 };
    expect(clampPage(filters, 41).page).toBe(2);
    expect(clampPage(filters, 0).page).toBe(0);
    expect(clampPage({ ...filters, page: 1 }, 41)).toEqual({ ...filters, page: 1 });
  });

  it('describes the rows shown', () => {
    const filters = { label: null, category: null, page: 1, pageSize: 20 };
    expect(pageRangeText(filters, 45)).toBe('21–40 of 45');
    expect(pageRangeText({ ...filters, page: 2 }, 45)).toBe('41–45 of 45');
    expect(pageRangeText(filters, 0)).toBe('No samples');
  });
});
