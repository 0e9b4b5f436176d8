// A project's dashboard: name and description, visibility, a summary of its dataset, the impulse
// with its latest models and, for its owner, collaborators and API keys.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';

import {
  projectsReadProjectOptions,
  projectsUpdateProjectMutation,
  samplesReadSamplesSummaryOptions,
  samplesRebalanceSamplesMutation,
} from '../client/@tanstack/react-query.gen';
import type { ProjectPublic, SamplesSummary } from '../client/types.gen';
import { ApiKeysPanel } from '../components/ApiKeysPanel';
import { ErrorText } from '../components/ErrorText';
import { ImpulseSummary } from '../components/ImpulseSummary';
import { MembersPanel } from '../components/MembersPanel';
import { apiFieldErrors } from '../lib/apiError';
import { formatDuration, formatSplit, plural } from '../lib/format';
import { projectPermissions, roleTitle } from '../lib/permissions';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { NotFoundPage } from './NotFoundPage';

export function ProjectDashboardPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <Dashboard projectId={projectId} />;
}

function Dashboard({ projectId }: { projectId: number }) {
  const path = { project_id: projectId };
  const project = useQuery(projectsReadProjectOptions({ path }));
  const summary = useQuery(samplesReadSamplesSummaryOptions({ path }));
  useDocumentTitle('Dashboard', project.data?.name);

  if (project.isPending) return <p className="muted">Loading project…</p>;
  if (project.isError) {
    return (
      <section>
        <h1>Project</h1>
        <ErrorText error={project.error} />
        <p>
          <Link to="/projects">Back to the projects</Link>
        </p>
      </section>
    );
  }
  const permissions = projectPermissions(project.data.role);
  return (
    <>
      <header className="page-header">
        <h1>{project.data.name}</h1>
        <p className="muted">
          Dashboard · <span data-testid="project-role">{roleTitle(project.data.role)}</span>
          {project.data.is_public ? ' · public' : ''}
        </p>
      </header>
      {permissions.canManage ? (
        <>
          {/* Keyed by the saved values so the form starts again from them after each save. */}
          <ProjectDetailsForm
            key={`${project.data.name}\u0000${project.data.description}`}
            project={project.data}
          />
          <VisibilityToggle key={String(project.data.is_public)} project={project.data} />
        </>
      ) : (
        project.data.description && (
          <section className="panel" aria-labelledby="details-heading">
            <h2 id="details-heading">About</h2>
            <p>{project.data.description}</p>
          </section>
        )
      )}
      <section className="panel" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Dataset</h2>
        {summary.isPending && <p className="muted">Loading the dataset summary…</p>}
        <ErrorText error={summary.error} />
        {summary.data && (
          <DatasetSummary
            summary={summary.data}
            projectId={projectId}
            canWrite={permissions.canWrite}
          />
        )}
      </section>
      <ImpulseSummary projectId={projectId} />
      {permissions.canManage && (
        <>
          <MembersPanel projectId={projectId} />
          <ApiKeysPanel projectId={projectId} />
        </>
      )}
    </>
  );
}

function ProjectDetailsForm({ project }: { project: ProjectPublic }) {
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const update = useMutation(projectsUpdateProjectMutation());
  const fieldErrors = apiFieldErrors(update.error);
  const formError = update.error && Object.keys(fieldErrors).length === 0 ? update.error : null;
  const changed = name !== project.name || description !== project.description;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: { name?: string; description?: string } = {};
    if (name !== project.name) body.name = name;
    if (description !== project.description) body.description = description;
    update.mutate({ path: { project_id: project.id }, body });
  };

  return (
    <section className="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">Project details</h2>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="details-name">Name</label>
          <input
            id="details-name"
            value={name}
            maxLength={100}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={fieldErrors.name ? true : undefined}
            aria-describedby={fieldErrors.name ? 'details-name-error' : undefined}
          />
          <ErrorText error={fieldErrors.name ?? null} id="details-name-error" />
        </div>
        <div className="field">
          <label htmlFor="details-description">Description</label>
          <textarea
            id="details-description"
            rows={3}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            aria-invalid={fieldErrors.description ? true : undefined}
            aria-describedby={fieldErrors.description ? 'details-description-error' : undefined}
          />
          <ErrorText error={fieldErrors.description ?? null} id="details-description-error" />
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={!changed || update.isPending}>
            {update.isPending ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            disabled={!changed || update.isPending}
            onClick={() => {
              setName(project.name);
              setDescription(project.description);
              update.reset();
            }}
          >
            Discard changes
          </button>
          {update.isSuccess && !changed && <span className="ok-text">Saved.</span>}
        </div>
        <ErrorText error={formError} />
      </form>
    </section>
  );
}

function VisibilityToggle({ project }: { project: ProjectPublic }) {
  // Shown at once (the checkbox follows the click); put back if the server refuses.
  const [isPublic, setIsPublic] = useState(project.is_public);
  const update = useMutation({
    ...projectsUpdateProjectMutation(),
    onError: () => setIsPublic(project.is_public),
  });
  return (
    <section className="panel" aria-labelledby="visibility-heading">
      <h2 id="visibility-heading">Visibility</h2>
      <div className="field field-check">
        <input
          id="project-public"
          type="checkbox"
          checked={isPublic}
          disabled={update.isPending}
          aria-describedby="project-public-hint"
          onChange={(event) => {
            setIsPublic(event.target.checked);
            update.mutate({
              path: { project_id: project.id },
              body: { is_public: event.target.checked },
            });
          }}
        />
        <label htmlFor="project-public">Public project</label>
      </div>
      <p className="hint" id="project-public-hint">
        Everyone, signed in or not, can see a public project and clone it; only members can change
        it.
      </p>
      <ErrorText error={update.error} />
    </section>
  );
}

interface DatasetSummaryProps {
  summary: SamplesSummary;
  projectId: number;
  canWrite: boolean;
}

function DatasetSummary({ summary, projectId, canWrite }: DatasetSummaryProps) {
  if (summary.count === 0) {
    return (
      <p className="muted">
        No samples yet. <Link to={`/projects/${projectId}/data`}>Upload data</Link> to get started.
      </p>
    );
  }
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Samples</dt>
          <dd>{summary.count}</dd>
        </div>
        <div>
          <dt>Total duration</dt>
          <dd>{formatDuration(summary.duration_ms)}</dd>
        </div>
        <div>
          <dt>Labels</dt>
          <dd>{summary.labels.length}</dd>
        </div>
        <div>
          <dt>Train / test split</dt>
          <dd>{formatSplit(summary.training_fraction, summary.testing_fraction)}</dd>
        </div>
      </dl>
      <div className="split-bar" aria-hidden="true">
        <span className="split-train" style={{ width: `${summary.training_fraction * 100}%` }} />
        <span className="split-test" style={{ width: `${summary.testing_fraction * 100}%` }} />
      </div>
      <p className="split-legend muted">
        <span className="swatch split-train" /> Training <span className="swatch split-test" />{' '}
        Testing
      </p>
      {canWrite && <RebalanceControl projectId={projectId} />}

      <div className="two-columns">
        <div>
          <h3>Per category</h3>
          <table className="data-table compact">
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col" className="num">
                  Samples
                </th>
                <th scope="col" className="num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {(['training', 'testing'] as const).map((category) => {
                const entry = summary.categories.find((item) => item.category === category);
                return (
                  <tr key={category}>
                    <th scope="row">{category === 'training' ? 'Training' : 'Testing'}</th>
                    <td className="num">{entry?.count ?? 0}</td>
                    <td className="num">{formatDuration(entry?.duration_ms ?? 0)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div>
          <h3>Per label</h3>
          <table className="data-table compact">
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col" className="num">
                  Samples
                </th>
                <th scope="col" className="num">
                  Training
                </th>
                <th scope="col" className="num">
                  Testing
                </th>
                <th scope="col" className="num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {summary.labels.map((entry) => (
                <tr key={entry.label}>
                  <th scope="row">
                    <Link
                      to={`/projects/${projectId}/data?label=${encodeURIComponent(entry.label)}`}
                    >
                      {entry.label}
                    </Link>
                  </th>
                  <td className="num">{entry.count}</td>
                  <td className="num">{entry.training_count}</td>
                  <td className="num">{entry.testing_count}</td>
                  <td className="num">{formatDuration(entry.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </>
  );
}

function RebalanceControl({ projectId }: { projectId: number }) {
  const rebalance = useMutation(samplesRebalanceSamplesMutation());
  return (
    <div className="rebalance">
      <button
        type="button"
        disabled={rebalance.isPending}
        aria-describedby="rebalance-hint"
        onClick={() => rebalance.mutate({ path: { project_id: projectId } })}
      >
        {rebalance.isPending ? 'Rebalancing…' : 'Rebalance to 80 / 20'}
      </button>
      <span id="rebalance-hint" className="hint">
        Re-draws each label's split from the sample contents, so the same data always lands on the
        same side.
      </span>
      {rebalance.data && (
        <span className="ok-text" role="status">
          {plural(rebalance.data.changed, 'sample')} moved.
        </span>
      )}
      <ErrorText error={rebalance.error} />
    </div>
  );
}
