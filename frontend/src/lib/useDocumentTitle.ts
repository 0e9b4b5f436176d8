// Each page names itself in the browser tab and history: "Data acquisition · Keywords · mcuforge".
import { useEffect } from 'react';

/** The tab title for a page, most specific part first; empty parts are left out. */
export function documentTitle(parts: ReadonlyArray<string | null | undefined>): string {
  return [...parts.filter((part): part is string => Boolean(part && part.trim())), 'mcuforge'].join(
    ' · ',
  );
}

export function useDocumentTitle(...parts: Array<string | null | undefined>): void {
  const title = documentTitle(parts);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
