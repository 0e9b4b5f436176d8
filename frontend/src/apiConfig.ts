// The one place where the generated API client is configured (credentials, headers, base URL).
import { client } from './client/client.gen';

export function configureApiClient(): void {
  // Same-origin requests carry the session cookie; the API is served beside the app under /api.
  client.setConfig({ credentials: 'same-origin' });
}
