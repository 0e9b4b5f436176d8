// Signing in and signing up end alike: forget the previous caller's cached data, then open the
// page that asked for an account (?next=), or the projects.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';

import type { FormErrors } from './authErrors';
import { afterSignInPath } from './authRedirect';

/** `request` throws FormErrors when the server refuses. `next` is the page to open after. */
export function useAuthMutation(request: () => Promise<unknown>) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [searchParams] = useSearchParams();
  const next = searchParams.get('next');
  const mutation = useMutation<unknown, FormErrors>({
    mutationFn: request,
    onSuccess: async () => {
      queryClient.clear();
      await navigate(afterSignInPath(next), { replace: true });
    },
  });
  return { mutation, next };
}
