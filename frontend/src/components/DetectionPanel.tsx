// The FOMO settings of an object-detection block (backbone width, head filters, weight of object
// cells), saved with the impulse like the network of a classifier.
import { useMutation, useQueries } from '@tanstack/react-query';
import { useState } from 'react';

import {
  impulsesReplaceImpulseMutation,
  trainingReadTrainedModelOptions,
} from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { modelName } from '../lib/format';
import { impulseWithLearningBlocks, replaceLearningBlock } from '../lib/learningBlocks';
import { ErrorText } from './ErrorText';

interface DetectionPanelProps {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
  canWrite: boolean;
}

const FIELDS = [
  { name: 'width', label: 'Backbone width multiplier', step: '0.05' },
  { name: 'head_filters', label: 'Head filters (1×1)', step: '1' },
  { name: 'object_weight', label: 'Weight of object cells', step: '1' },
] as const;

type FieldName = (typeof FIELDS)[number]['name'];

export function DetectionPanel({ impulse, block, canWrite }: DetectionPanelProps) {
  const stored = (block.detection ?? {}) as Partial<Record<FieldName, number>>;
  const [values, setValues] = useState<Record<FieldName, string>>({
    width: String(stored.width ?? 0.35),
    head_filters: String(stored.head_filters ?? 32),
    object_weight: String(stored.object_weight ?? 100),
  });
  const storedInitial = (block.detection as { initial_model?: { frozen_layers?: number } } | null)
    ?.initial_model;
  // Transfer learning: an earlier detector of this impulse and how many of its backbone layers
  // stay frozen (the API also takes any detection model of the project by id).
  const [initialId, setInitialId] = useState(String(block.initial_model_id ?? ''));
  const [frozen, setFrozen] = useState(String(storedInitial?.frozen_layers ?? 0));
  const replace = useMutation(impulsesReplaceImpulseMutation());
  // Models to start from: the latest model of each other detection block of the impulse.
  const others = impulse.learning_blocks.filter(
    (other) => other.type === 'object_detection' && other.id !== block.id,
  );
  const models = useQueries({
    queries: others.map((other) => ({
      ...trainingReadTrainedModelOptions({
        path: { project_id: impulse.project_id, impulse_id: impulse.id, block_id: other.id },
      }),
      retry: false,
    })),
  });
  const starts = models.flatMap((query, index) =>
    query.data
      ? [
          {
            id: query.data.id,
            title: `${modelName(query.data)} (${others[index]?.name || 'detection block'})`,
          },
        ]
      : [],
  );
  const save = () =>
    replace.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id },
      body: impulseWithLearningBlocks(
        impulse,
        replaceLearningBlock(impulse.learning_blocks, {
          ...block,
          detection: {
            width: Number(values.width),
            head_filters: Number(values.head_filters),
            object_weight: Number(values.object_weight),
            initial_model: initialId.trim() === '' ? null : { frozen_layers: Number(frozen) },
          } as LearningBlockPublic['detection'],
          initial_model_id: initialId.trim() === '' ? null : Number(initialId),
        }),
      ),
    });
  return (
    <section className="panel" aria-labelledby="detection-heading">
      <h2 id="detection-heading">Object detection (FOMO)</h2>
      <p className="hint">
        A MobileNet-style backbone cut at 1/8 of the image and a 1×1 head classify each 8×8-pixel
        cell as background or an object label; the objects are the groups of cells of a label, and
        their centroids are where the objects are. It learns from the images&apos; bounding boxes:
        the cell holding each box&apos;s centre is that box&apos;s label.
      </p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <div className="form-grid">
          {FIELDS.map((field) => (
            <div className="field" key={field.name}>
              <label htmlFor={`detection-${field.name}`}>{field.label}</label>
              <input
                id={`detection-${field.name}`}
                type="number"
                step={field.step}
                value={values[field.name]}
                disabled={!canWrite}
                onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
              />
            </div>
          ))}
          <div className="field">
            <label htmlFor="detection-initial-model">Start from</label>
            <select
              id="detection-initial-model"
              value={initialId}
              disabled={!canWrite}
              onChange={(event) => setInitialId(event.target.value)}
            >
              <option value="">Random weights</option>
              {starts.map((start) => (
                <option key={start.id} value={String(start.id)}>
                  {start.title}
                </option>
              ))}
              {initialId !== '' && !starts.some((start) => String(start.id) === initialId) && (
                <option value={initialId}>model #{initialId}</option>
              )}
            </select>
          </div>
          <div className="field">
            <label htmlFor="detection-frozen">Frozen layers of that model</label>
            <input
              id="detection-frozen"
              type="number"
              min={0}
              step={1}
              value={frozen}
              disabled={!canWrite || initialId.trim() === ''}
              onChange={(event) => setFrozen(event.target.value)}
            />
          </div>
        </div>
        {canWrite && (
          <button type="submit" disabled={replace.isPending}>
            Save
          </button>
        )}
        <ErrorText error={replace.error} />
      </form>
    </section>
  );
}
