// The dashboard's view of the impulse: its blocks in order and each learning block's latest model
// with the figures that matter on a device (accuracy float32 and int8, int8 size, TFLM arena).
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { trainingReadTrainedModelOptions } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { describeInputBlock, formatBytes, formatDateTime, modelName } from '../lib/format';
import {
  classificationMetrics,
  formatCount,
  formatPercent,
  isNotTrained,
} from '../lib/modelMetrics';
import { useProjectImpulse } from '../lib/useProjectImpulse';
import { ErrorText } from './ErrorText';
import { ImpulseRequired } from './ImpulseRequired';
import { ModelWarning } from './ModelWarning';

export function ImpulseSummary({ projectId }: { projectId: number }) {
  const { impulse, isPending, error } = useProjectImpulse(projectId);
  return (
    <section className="panel" aria-labelledby="impulse-summary-heading">
      <h2 id="impulse-summary-heading">Impulse</h2>
      {!impulse ? (
        <ImpulseRequired projectId={projectId} isPending={isPending} error={error} />
      ) : (
        <>
          <ol className="impulse-summary-chain" aria-label="Blocks of the impulse">
            <li>
              <strong>Input</strong>{' '}
              <span className="muted">{describeInputBlock(impulse.input_block)}</span>
            </li>
            {impulse.dsp_blocks.map((block) => (
              <li key={`dsp-${block.id}`}>
                <Link to={`/projects/${projectId}/impulse/dsp/${block.id}`}>{block.name}</Link>{' '}
                <span className="muted">{block.type}</span>
              </li>
            ))}
            {impulse.learning_blocks.map((block) => (
              <li key={`learning-${block.id}`}>
                <strong>{block.name}</strong> <span className="muted">{block.type}</span>
              </li>
            ))}
          </ol>
          {impulse.learning_blocks.length > 0 && (
            <div className="table-scroll">
              <table className="data-table" data-testid="latest-models">
                <caption>Latest models</caption>
                <thead>
                  <tr>
                    <th scope="col">Learning block</th>
                    <th scope="col">Model</th>
                    <th scope="col" className="num">
                      Accuracy float32
                    </th>
                    <th scope="col" className="num">
                      Accuracy int8
                    </th>
                    <th scope="col" className="num">
                      int8 model
                    </th>
                    <th scope="col" className="num">
                      TFLM arena (for comparison)
                    </th>
                    <th scope="col" className="num">
                      MACs
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {impulse.learning_blocks.map((block) => (
                    <LatestModelRow key={block.id} impulse={impulse} block={block} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function LatestModelRow({
  impulse,
  block,
}: {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
}) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const model = useQuery(trainingReadTrainedModelOptions({ path }));
  const training = `/projects/${impulse.project_id}/training?block=${block.id}`;
  const heading = (
    <th scope="row">
      <Link to={training}>{block.name}</Link>
    </th>
  );
  if (!model.data) {
    return (
      <tr>
        {heading}
        <td colSpan={6}>
          {model.isPending ? (
            <span className="muted">Loading…</span>
          ) : isNotTrained(model.error) ? (
            <span className="muted">Not trained yet</span>
          ) : (
            <ErrorText error={model.error} />
          )}
        </td>
      </tr>
    );
  }
  const float32 = classificationMetrics(model.data.metrics, 'float32');
  const int8 = classificationMetrics(model.data.metrics, 'int8');
  return (
    <tr>
      {heading}
      <td>
        {modelName(model.data)}, {formatDateTime(model.data.created_at)}
        <ModelWarning model={model.data} />
      </td>
      <td className="num">{formatPercent(float32?.accuracy)}</td>
      <td className="num">{formatPercent(int8?.accuracy)}</td>
      <td className="num">
        {model.data.int8_model_bytes != null ? formatBytes(model.data.int8_model_bytes) : '—'}
      </td>
      <td className="num">
        {model.data.tflm_arena_bytes != null ? formatBytes(model.data.tflm_arena_bytes) : '—'}
      </td>
      <td className="num">{formatCount(model.data.mac_count)}</td>
    </tr>
  );
}
