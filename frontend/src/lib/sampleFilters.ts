// The dataset table's filter and page, kept in the URL so reloads and the back button keep them.

export type CategoryFilter = 'training' | 'testing';

export interface SampleFilters {
  label: string | null;
  category: CategoryFilter | null;
  /** Zero-based page index. */
  page: number;
  pageSize: number;
}

export const PAGE_SIZES = [10, 20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

function parseWholeNumber(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  return Number(text);
}

/** Read the filters from the URL; a value that is not allowed falls back to its default. */
export function parseSampleFilters(params: URLSearchParams): SampleFilters {
  const label = params.get('label');
  const category = params.get('category');
  const pageNumber = parseWholeNumber(params.get('page'));
  const pageSize = parseWholeNumber(params.get('pageSize'));
  return {
    label: label && label.trim() ? label : null,
    category: category === 'training' || category === 'testing' ? category : null,
    // The URL shows pages counted from 1, as people count them.
    page: pageNumber !== null && pageNumber >= 1 ? pageNumber - 1 : 0,
    pageSize:
      pageSize !== null && (PAGE_SIZES as readonly number[]).includes(pageSize)
        ? pageSize
        : DEFAULT_PAGE_SIZE,
  };
}

/** The URL form of the filters; defaults are left out so the plain page has a plain URL. */
export function sampleFiltersToParams(filters: SampleFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.label !== null) params.set('label', filters.label);
  if (filters.category !== null) params.set('category', filters.category);
  if (filters.page > 0) params.set('page', String(filters.page + 1));
  if (filters.pageSize !== DEFAULT_PAGE_SIZE) params.set('pageSize', String(filters.pageSize));
  return params;
}

/** Change the label or category filter (or page size); the result starts again at the first page. */
export function withFilter(
  filters: SampleFilters,
  change: Partial<Pick<SampleFilters, 'label' | 'category' | 'pageSize'>>,
): SampleFilters {
  return { ...filters, ...change, page: 0 };
}

/** The query of GET /samples for these filters. */
export function sampleListQuery(filters: SampleFilters): {
  label?: string;
  category?: CategoryFilter;
  offset: number;
  limit: number;
} {
  return {
    ...(filters.label !== null ? { label: filters.label } : {}),
    ...(filters.category !== null ? { category: filters.category } : {}),
    offset: filters.page * filters.pageSize,
    limit: filters.pageSize,
  };
}

/** Number of pages for `count` matching samples; an empty result still has one (empty) page. */
export function pageCount(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / pageSize));
}

/** The page to show once the count is known: past the end (after deletions) means the last page. */
export function clampPage(filters: SampleFilters, count: number): SampleFilters {
  const lastPage = pageCount(count, filters.pageSize) - 1;
  return filters.page > lastPage ? { ...filters, page: lastPage } : filters;
}

/** "21–40 of 45", or "No samples" when nothing matches. */
export function pageRangeText(filters: SampleFilters, count: number): string {
  if (count === 0) return 'No samples';
  const first = filters.page * filters.pageSize + 1;
  const last = Math.min(count, (filters.page + 1) * filters.pageSize);
  return `${first}–${last} of ${count}`;
}
