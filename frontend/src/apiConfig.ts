// The one place where the generated API client is configured (credentials, headers, base URL)
// and where a lost session (401) sends the browser to the sign-in page.
import { client } from './client/client.gen';
import { shouldRedirectToSignIn } from './lib/authRedirect';
import { cookieValue } from './lib/cookies';

// The backend sets this readable cookie at sign-in; unsafe requests must echo it (CSRF check).
const CSRF_COOKIE = 'mcuforge_csrf';
const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS: ReadonlyArray<string> = ['GET', 'HEAD', 'OPTIONS'];

/** `onUnauthorized` runs when any request answers 401 because the caller is not signed in. */
export function configureApiClient(onUnauthorized: () => void): void {
  // Same-origin requests carry the session cookie; the API is served beside the app under /api.
  client.setConfig({ credentials: 'same-origin' });
  client.interceptors.request.use((request) => {
    if (!SAFE_METHODS.includes(request.method.toUpperCase())) {
      const token = cookieValue(document.cookie, CSRF_COOKIE);
      if (token) request.headers.set(CSRF_HEADER, token);
    }
    return request;
  });
  client.interceptors.response.use((response, request) => {
    if (shouldRedirectToSignIn(response.status, request.url, window.location.pathname)) {
      onUnauthorized();
    }
    return response;
  });
}
