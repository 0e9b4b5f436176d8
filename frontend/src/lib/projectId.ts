// Project ids come from the URL as text; only a positive whole number names a project.

/** The project id in a route parameter, or null when the text is not a positive whole number. */
export function parseProjectId(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return null;
  return Number(text);
}
