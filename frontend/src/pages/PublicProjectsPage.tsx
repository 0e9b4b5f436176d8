// Public projects: anyone may look; a signed-in user clones one into a project of their own.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useNavigate } from 'react-router';

import {
  jobsReadJobOptions,
  publicCloneProjectMutation,
  publicReadPublicProjectsOptions,
} from '../client/@tanstack/react-query.gen';
import type { JobPublic, ProjectPublic } from '../client/types.gen';
import { ErrorText } from '../components/ErrorText';
import { JobsIndicator } from '../components/JobsIndicator';
import { formatDateTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function PublicProjectsPage() {
  useDocumentTitle('Public projects');
  const projects = useQuery(publicReadPublicProjectsOptions({ query: { limit: 1000 } }));
  const clone = useMutation(publicCloneProjectMutation());
  return (
    <>
      <header className="page-header">
        <h1>Public projects</h1>
        <p className="muted">
          Projects their owners shared. Cloning copies the samples, impulses and settings into a new
          project of your own.
        </p>
      </header>
      {clone.data && <CloneProgress job={clone.data} />}
      <section className="panel" aria-labelledby="public-heading">
        <h2 id="public-heading">Shared projects</h2>
        {projects.isPending && <p className="muted">Loading public projects…</p>}
        <ErrorText error={projects.error} />
        {projects.data && projects.data.count === 0 && (
          <p className="muted">No project is public yet.</p>
        )}
        {projects.data && projects.data.count > 0 && (
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  Samples
                </th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {projects.data.data.map((project) => (
                <PublicProjectRow
                  key={project.id}
                  project={project}
                  cloning={clone.isPending && clone.variables?.path.project_id === project.id}
                  onClone={() => clone.mutate({ path: { project_id: project.id } })}
                />
              ))}
            </tbody>
          </table>
        )}
        <ErrorText error={clone.error} />
      </section>
    </>
  );
}

interface PublicProjectRowProps {
  project: ProjectPublic;
  cloning: boolean;
  onClone: () => void;
}

function PublicProjectRow({ project, cloning, onClone }: PublicProjectRowProps) {
  return (
    <tr>
      <th scope="row">
        <Link to={`/projects/${project.id}`}>{project.name}</Link>
      </th>
      <td className="muted clip">{project.description || '—'}</td>
      <td className="num">{project.sample_count}</td>
      <td className="nowrap">{formatDateTime(project.updated_at)}</td>
      <td className="actions">
        <button
          type="button"
          disabled={cloning}
          aria-label={`Clone ${project.name}`}
          onClick={onClone}
        >
          {cloning ? 'Starting…' : 'Clone'}
        </button>
      </td>
    </tr>
  );
}

/** Follows the clone job (it lives in the new project) and opens the copy when it is done. */
function CloneProgress({ job }: { job: JobPublic }) {
  const navigate = useNavigate();
  const newProjectId = job.project_id;
  const current = useQuery({
    ...jobsReadJobOptions({ path: { project_id: newProjectId ?? 0, job_id: job.id } }),
    enabled: newProjectId !== null,
    refetchInterval: (query) =>
      ['succeeded', 'failed', 'cancelled'].includes(query.state.data?.state ?? '') ? false : 1000,
  });
  const state = current.data?.state ?? job.state;
  useEffect(() => {
    if (state === 'succeeded' && newProjectId !== null) void navigate(`/projects/${newProjectId}`);
  }, [state, newProjectId, navigate]);
  if (newProjectId === null) return null;
  return (
    <section className="panel" aria-labelledby="clone-heading">
      <h2 id="clone-heading">Cloning</h2>
      <p role="status" data-testid="clone-state">
        Copying into project #{newProjectId}: {state}
        {state === 'succeeded' && '; opening it…'}
      </p>
      <ErrorText error={current.error} />
      <JobsIndicator projectId={newProjectId} />
    </section>
  );
}
