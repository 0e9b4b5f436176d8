// The signed-in user's permissions in a project, read from the project's `role` (cached query).
import { useQuery } from '@tanstack/react-query';

import { projectsReadProjectOptions } from '../client/@tanstack/react-query.gen';
import { projectPermissions, type ProjectPermissions } from './permissions';

/** Nothing is allowed until the project has loaded, so no control flashes up and vanishes. */
export function useProjectPermissions(projectId: number): ProjectPermissions {
  const project = useQuery(projectsReadProjectOptions({ path: { project_id: projectId } }));
  return projectPermissions(project.data?.role);
}
