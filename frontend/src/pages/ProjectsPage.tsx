// Projects: the list (open, delete) and the form that creates one.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';

import {
  projectsCreateProjectMutation,
  projectsDeleteProjectMutation,
  projectsReadProjectsOptions,
} from '../client/@tanstack/react-query.gen';
import type { ProjectPublic } from '../client/types.gen';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorText } from '../components/ErrorText';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { formatDateTime, plural } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export function ProjectsPage() {
  const projects = useQuery(projectsReadProjectsOptions({ query: { limit: 1000 } }));
  useDocumentTitle('Projects');
  return (
    <>
      <header className="page-header">
        <h1>Projects</h1>
        <p className="muted">A project holds one dataset and the models trained on it.</p>
      </header>
      <CreateProjectForm />
      <section className="panel" aria-labelledby="projects-heading">
        <h2 id="projects-heading">Your projects</h2>
        {projects.isPending && <p className="muted">Loading projects…</p>}
        <ErrorText error={projects.error} />
        {projects.data && projects.data.count === 0 && (
          <p className="muted">No projects yet. Create one above to start uploading data.</p>
        )}
        {projects.data && projects.data.count > 0 && <ProjectTable projects={projects.data.data} />}
      </section>
    </>
  );
}

function CreateProjectForm() {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    ...projectsCreateProjectMutation(),
    onSuccess: (project) => {
      setName('');
      setDescription('');
      void navigate(`/projects/${project.id}/data`);
    },
  });
  const fieldErrors = apiFieldErrors(create.error);
  const formError = create.error && Object.keys(fieldErrors).length === 0 ? create.error : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ body: { name, description } });
  };

  return (
    <section className="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">New project</h2>
      <form className="form-grid" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="project-name">Name</label>
          <input
            id="project-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={100}
            required
            aria-invalid={fieldErrors.name ? true : undefined}
            aria-describedby={fieldErrors.name ? 'project-name-error' : undefined}
          />
          <ErrorText error={fieldErrors.name ?? null} id="project-name-error" />
        </div>
        <div className="field field-wide">
          <label htmlFor="project-description">Description (optional)</label>
          <input
            id="project-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            aria-invalid={fieldErrors.description ? true : undefined}
            aria-describedby={fieldErrors.description ? 'project-description-error' : undefined}
          />
          <ErrorText error={fieldErrors.description ?? null} id="project-description-error" />
        </div>
        <div className="field field-action">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create project'}
          </button>
        </div>
      </form>
      <ErrorText error={formError} />
    </section>
  );
}

function ProjectTable({ projects }: { projects: ProjectPublic[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col" className="num">
              Samples
            </th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {projects.map((project) => (
            <ProjectRow key={project.id} project={project} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProjectRow({ project }: { project: ProjectPublic }) {
  const remove = useMutation(projectsDeleteProjectMutation());
  return (
    <tr>
      <td>
        <Link to={`/projects/${project.id}`}>{project.name}</Link>
      </td>
      <td className="muted clip">{project.description || '—'}</td>
      <td className="num">{project.sample_count}</td>
      <td className="nowrap">{formatDateTime(project.created_at)}</td>
      <td className="actions">
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete project ${project.name}`}
          question={`Delete “${project.name}” and its ${plural(project.sample_count, 'sample')}?`}
          confirmLabel="Delete project"
          busy={remove.isPending}
          onConfirm={() => remove.mutate({ path: { project_id: project.id } })}
        />
        {remove.error != null && <ErrorText error={apiErrorMessage(remove.error)} />}
      </td>
    </tr>
  );
}
