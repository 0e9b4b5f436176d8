// The impulse a project's pages work on: the studio designs one per project, the first.
import { useQuery } from '@tanstack/react-query';

import { impulsesReadImpulsesOptions } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic } from '../client/types.gen';

export function useProjectImpulse(projectId: number): {
  impulse: ImpulsePublic | undefined;
  isPending: boolean;
  error: unknown;
} {
  const impulses = useQuery(impulsesReadImpulsesOptions({ path: { project_id: projectId } }));
  return { impulse: impulses.data?.data[0], isPending: impulses.isPending, error: impulses.error };
}
