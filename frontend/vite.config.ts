// Vite builds the single-page app into dist/, which the backend serves at /.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  server: {
    // The dev server forwards API calls to a backend started with `mcuforge serve`.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Plotly (about 4.8 MB) is its own chunk, loaded with the first chart, not with the app.
    chunkSizeWarningLimit: 5000,
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
