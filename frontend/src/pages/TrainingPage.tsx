// Training: pick or add the learning block, design its network (layers or expert script) or set
// its K-means settings, set the training settings, train with live curves and log, and read the
// model's figures.
import { useParams } from 'react-router';

import { AnomalyPanel } from '../components/AnomalyPanel';
import { ImpulseRequired } from '../components/ImpulseRequired';
import { useSelectedLearningBlock } from '../components/LearningBlockSelect';
import { DetectionPanel } from '../components/DetectionPanel';
import { LearningBlockPicker } from '../components/LearningBlockPicker';
import { NetworkPanel } from '../components/NetworkPanel';
import { TrainedModelPanel } from '../components/TrainedModelPanel';
import { TrainPanel } from '../components/TrainPanel';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useProjectImpulse } from '../lib/useProjectImpulse';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { NotFoundPage } from './NotFoundPage';

export function TrainingPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <Training projectId={projectId} />;
}

function Training({ projectId }: { projectId: number }) {
  useDocumentTitle('Training');
  const { impulse, isPending, error } = useProjectImpulse(projectId);
  const { canWrite } = useProjectPermissions(projectId);
  const { block, selectBlock } = useSelectedLearningBlock(impulse);

  return (
    <>
      <header className="page-header">
        <h1>Training</h1>
        <p className="muted">
          A neural network learns the labels from the features; the int8 model is what runs on the
          device.
        </p>
      </header>
      {!impulse ? (
        <ImpulseRequired projectId={projectId} isPending={isPending} error={error} />
      ) : (
        <>
          <LearningBlockPicker
            impulse={impulse}
            selectedId={block?.id ?? null}
            onSelect={selectBlock}
            canWrite={canWrite}
          />
          {block && (
            <div key={block.id}>
              {block.type === 'anomaly' ? (
                <AnomalyPanel impulse={impulse} block={block} canWrite={canWrite} />
              ) : block.type === 'object_detection' ? (
                <DetectionPanel impulse={impulse} block={block} canWrite={canWrite} />
              ) : (
                <NetworkPanel impulse={impulse} block={block} canWrite={canWrite} />
              )}
              <TrainPanel impulse={impulse} block={block} canWrite={canWrite} />
              <TrainedModelPanel impulse={impulse} block={block} />
            </div>
          )}
        </>
      )}
    </>
  );
}
