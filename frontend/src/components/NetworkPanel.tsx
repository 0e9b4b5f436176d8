// The neural network of a learning block: the visual layer editor, or in expert mode the Keras
// training script in a code editor (what actually runs either way).
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import {
  impulsesReplaceImpulseMutation,
  trainingDeleteTrainingScriptMutation,
  trainingReadTrainingScriptOptions,
  trainingReplaceTrainingScriptMutation,
} from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { impulseWithLearningBlocks, replaceLearningBlock } from '../lib/learningBlocks';
import type { Layer } from '../lib/layerList';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';
import { LayerEditor } from './LayerEditor';
import { ReadOnlyNote } from './ReadOnlyNote';
import { ScriptEditor } from './ScriptEditor';

interface NetworkPanelProps {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
  canWrite: boolean;
}

export function NetworkPanel({ impulse, block, canWrite }: NetworkPanelProps) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const script = useQuery(trainingReadTrainingScriptOptions({ path }));
  const expert = script.data?.expert ?? block.expert_script != null;
  // The switch opens the script; saving it is what turns expert mode on for training.
  const [showScript, setShowScript] = useState(false);
  const scriptShown = expert || showScript;

  return (
    <section className="panel" aria-labelledby="network-heading">
      <div className="panel-header">
        <h2 id="network-heading">Neural network</h2>
        <div className="field-check">
          <input
            id="expert-mode"
            type="checkbox"
            role="switch"
            checked={scriptShown}
            disabled={expert}
            aria-describedby="expert-mode-hint"
            onChange={(event) => setShowScript(event.target.checked)}
          />
          <label htmlFor="expert-mode">Expert mode (Keras script)</label>
        </div>
      </div>
      <p className="hint" id="expert-mode-hint">
        {expert
          ? 'This block trains with your own script. Leave expert mode to train the layers below again.'
          : 'The script is generated from the layers; edit and save it to train your own instead.'}
        {script.data?.input_shape && ` Input shape: ${script.data.input_shape.join(' × ')}.`}
      </p>
      <ErrorText error={script.error} />
      {scriptShown ? (
        script.data ? (
          <ScriptPanel
            key={`${script.data.expert}-${script.data.script.length}`}
            impulse={impulse}
            block={block}
            initialScript={script.data.script}
            expert={expert}
            canWrite={canWrite}
          />
        ) : (
          <p className="muted">Loading the script…</p>
        )
      ) : (
        <LayersPanel impulse={impulse} block={block} canWrite={canWrite} />
      )}
    </section>
  );
}

function LayersPanel({ impulse, block, canWrite }: NetworkPanelProps) {
  const stored = (block.layers ?? []) as Layer[];
  const storedJson = JSON.stringify(stored);
  const [layers, setLayers] = useState<Layer[]>(stored);
  // The saved layers come back as the server stores them (defaults filled in): start from those.
  useEffect(() => setLayers(JSON.parse(storedJson) as Layer[]), [storedJson]);
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const changed = JSON.stringify(layers) !== storedJson;
  const save = () =>
    replace.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id },
      body: impulseWithLearningBlocks(
        impulse,
        replaceLearningBlock(impulse.learning_blocks, {
          ...block,
          layers: layers as LearningBlockPublic['layers'],
        }),
      ),
    });
  return (
    <>
      <LayerEditor layers={layers} onChange={setLayers} readOnly={!canWrite} />
      {canWrite ? (
        <div className="button-row">
          <button
            type="button"
            className="primary"
            disabled={!changed || replace.isPending}
            onClick={save}
          >
            {replace.isPending ? 'Saving…' : 'Save network'}
          </button>
          <button
            type="button"
            disabled={!changed || replace.isPending}
            onClick={() => {
              setLayers(stored);
              replace.reset();
            }}
          >
            Discard changes
          </button>
          {replace.isSuccess && !changed && (
            <span className="ok-text" role="status">
              Network saved.
            </span>
          )}
        </div>
      ) : (
        <ReadOnlyNote />
      )}
      <ErrorText error={replace.error} />
    </>
  );
}

interface ScriptPanelProps extends NetworkPanelProps {
  initialScript: string;
  expert: boolean;
}

function ScriptPanel({ impulse, block, initialScript, expert, canWrite }: ScriptPanelProps) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const [text, setText] = useState(initialScript);
  const save = useMutation(trainingReplaceTrainingScriptMutation());
  const leave = useMutation(trainingDeleteTrainingScriptMutation());
  const changed = text !== initialScript;
  return (
    <>
      <ScriptEditor
        value={text}
        onChange={setText}
        readOnly={!canWrite}
        label="Training script (Python, tf_keras)"
      />
      {canWrite ? (
        <div className="button-row">
          <button
            type="button"
            className="primary"
            disabled={(!changed && expert) || save.isPending}
            onClick={() => save.mutate({ path, body: { script: text } })}
          >
            {save.isPending ? 'Saving…' : expert ? 'Save script' : 'Save script (expert mode)'}
          </button>
          {expert && (
            <ConfirmButton
              label="Leave expert mode"
              question="Discard your script and train the generated one again?"
              confirmLabel="Discard script"
              busy={leave.isPending}
              onConfirm={() => leave.mutate({ path })}
            />
          )}
          {save.isSuccess && !changed && (
            <span className="ok-text" role="status">
              Script saved.
            </span>
          )}
        </div>
      ) : (
        <ReadOnlyNote />
      )}
      <ErrorText error={save.error ?? leave.error} />
    </>
  );
}
