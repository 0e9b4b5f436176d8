// The one place where the generated API client is configured (credentials, headers, base URL).
import { client } from './client/client.gen';
import { cookieValue } from './lib/cookies';

// The backend sets this readable cookie at sign-in; unsafe requests must echo it (CSRF check).
const CSRF_COOKIE = 'mcuforge_csrf';
const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS: ReadonlyArray<string> = ['GET', 'HEAD', 'OPTIONS'];

export function configureApiClient(): void {
  // Same-origin requests carry the session cookie; the API is served beside the app under /api.
  client.setConfig({ credentials: 'same-origin' });
  client.interceptors.request.use((request) => {
    if (!SAFE_METHODS.includes(request.method.toUpperCase())) {
      const token = cookieValue(document.cookie, CSRF_COOKIE);
      if (token) request.headers.set(CSRF_HEADER, token);
    }
    return request;
  });
}
