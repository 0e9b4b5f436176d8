// Data acquisition: upload files into the project and manage its dataset.
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';

import { projectsReadProjectOptions } from '../client/@tanstack/react-query.gen';
import { CameraPanel } from '../components/CameraPanel';
import { ErrorText } from '../components/ErrorText';
import { RecordPanel } from '../components/RecordPanel';
import { RemoteDevicesPanel } from '../components/RemoteDevicesPanel';
import { SamplesTable } from '../components/SamplesTable';
import { SerialPanel } from '../components/SerialPanel';
import { UploadPanel } from '../components/UploadPanel';
import { projectPermissions } from '../lib/permissions';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { NotFoundPage } from './NotFoundPage';

export function DataAcquisitionPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <DataAcquisition projectId={projectId} />;
}

function DataAcquisition({ projectId }: { projectId: number }) {
  const project = useQuery(projectsReadProjectOptions({ path: { project_id: projectId } }));
  useDocumentTitle('Data acquisition', project.data?.name);
  if (project.isError) {
    return (
      <section>
        <h1>Data acquisition</h1>
        <ErrorText error={project.error} />
      </section>
    );
  }
  return (
    <>
      <header className="page-header">
        <h1>Data acquisition</h1>
        <p className="muted">
          {project.data?.name ?? '…'} ·{' '}
          <Link to={`/projects/${projectId}/labelling`}>Label bounding boxes</Link>
        </p>
      </header>
      {/* Viewers read the dataset; uploading and recording would be refused (403). */}
      {projectPermissions(project.data?.role).canWrite && (
        <>
          <UploadPanel projectId={projectId} />
          <RecordPanel projectId={projectId} />
          <SerialPanel projectId={projectId} />
          <CameraPanel projectId={projectId} />
        </>
      )}
      {project.data && (
        <RemoteDevicesPanel
          projectId={projectId}
          canRecord={projectPermissions(project.data.role).canWrite}
        />
      )}
      <SamplesTable projectId={projectId} />
    </>
  );
}
