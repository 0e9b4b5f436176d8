// Reading one cookie from `document.cookie` (the CSRF token the API wants echoed in a header).

/** The value of cookie `name` in a `document.cookie` string, or null when it is not set. */
export function cookieValue(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}
