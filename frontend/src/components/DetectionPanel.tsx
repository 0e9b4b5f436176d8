// The FOMO settings of an object-detection block (backbone width, head filters, weight of object
// cells), saved with the impulse like the network of a classifier.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';

import { impulsesReplaceImpulseMutation } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
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
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const save = () =>
    replace.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id },
      body: impulseWithLearningBlocks(
        impulse,
        replaceLearningBlock(impulse.learning_blocks, {
          ...block,
          detection: {
            ...(block.detection ?? {}),
            width: Number(values.width),
            head_filters: Number(values.head_filters),
            object_weight: Number(values.object_weight),
          } as LearningBlockPublic['detection'],
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
