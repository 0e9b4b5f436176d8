// The typed API client is generated from the backend's OpenAPI document (npm run generate).
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig({
  input: 'openapi.json',
  output: { path: 'src/client' },
  plugins: [
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    // The JSON schemas themselves, for forms generated from them (network layers, settings).
    '@hey-api/schemas',
    '@hey-api/sdk',
    '@tanstack/react-query',
  ],
});
