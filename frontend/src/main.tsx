// Entry point: server state in TanStack Query, pages from React Router, API calls from src/client.
import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';

import { configureApiClient } from './apiConfig';
import { signInPath } from './lib/authRedirect';
import { router } from './router';
import './styles.css';

configureApiClient(() => {
  // Whatever was cached belonged to the lost session; the sign-in page brings the user back.
  queryClient.clear();
  void router.navigate(signInPath(window.location), { replace: true });
});

const queryClient: QueryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx answer (missing project, bad filter) will not change on retry; show it at once.
      retry: (failureCount, error) => failureCount < 2 && !isClientError(error),
      refetchOnWindowFocus: false,
    },
  },
  // Every change to projects or samples can move counts shown elsewhere (navigation, summary).
  mutationCache: new MutationCache({ onSuccess: () => queryClient.invalidateQueries() }),
});

function isClientError(error: unknown): boolean {
  // The generated client throws the parsed error body; FastAPI bodies always carry `detail`.
  return typeof error === 'object' && error !== null && 'detail' in error;
}

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element to render into');

createRoot(rootElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
