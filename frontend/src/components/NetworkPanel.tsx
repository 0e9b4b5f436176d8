// The neural network of a learning block: the visual layer editor (from a preset, with
// quantization-aware training or pruning), or in expert mode the Keras training script in a code
// editor (what actually runs either way).
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import {
  impulsesReadFeaturesOptions,
  impulsesReplaceImpulseMutation,
  trainingDeleteTrainingScriptMutation,
  trainingReadTrainingScriptOptions,
  trainingReplaceTrainingScriptMutation,
} from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { apiErrorMessage } from '../lib/apiError';
import { impulseWithLearningBlocks, replaceLearningBlock } from '../lib/learningBlocks';
import type { Layer } from '../lib/layerList';
import {
  blocksExpertScript,
  isOptimizationRefusal,
  optimizationErrors,
  optimizationInputs,
  optimizationValues,
  type OptimizationField,
  type OptimizationInputs,
} from '../lib/optimization';
import { learningInputShape } from '../lib/presets';
import { ConfirmButton } from './ConfirmButton';
import { ErrorText } from './ErrorText';
import { LayerEditor } from './LayerEditor';
import { OptimizationFields } from './OptimizationFields';
import { PresetPicker } from './PresetPicker';
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
  const features = useQuery(
    impulsesReadFeaturesOptions({
      path: { project_id: impulse.project_id, impulse_id: impulse.id },
    }),
  );
  // The script knows the shape even before features exist; when it cannot be generated (a layer
  // that does not fit), the generated features still tell which presets fit.
  const inputShape =
    script.data?.input_shape ?? learningInputShape(block.dsp_blocks, features.data?.blocks ?? []);
  const expert = script.data?.expert ?? block.expert_script != null;
  // The switch opens the script; saving it is what turns expert mode on for training.
  const [showScript, setShowScript] = useState(false);
  const scriptShown = expert || showScript;
  const showLayers = !scriptShown;

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
      {/* A layer that QAT or pruning cannot handle is said beside those inputs instead. */}
      {!(showLayers && isOptimizationRefusal(script.error)) && <ErrorText error={script.error} />}
      {scriptShown ? (
        script.data ? (
          <ScriptPanel
            key={`${script.data.expert}-${script.data.script.length}`}
            impulse={impulse}
            block={block}
            initialScript={script.data.script}
            expert={expert}
            canWrite={canWrite}
            expertMode={script.data.expert_mode}
            expertModeNote={script.data.expert_mode_note}
          />
        ) : (
          script.isPending && <p className="muted">Loading the script…</p>
        )
      ) : (
        <LayersPanel
          impulse={impulse}
          block={block}
          canWrite={canWrite}
          inputShape={inputShape}
          scriptRefusal={isOptimizationRefusal(script.error) ? script.error : null}
        />
      )}
    </section>
  );
}

function LayersPanel({
  impulse,
  block,
  canWrite,
  inputShape,
  scriptRefusal,
}: NetworkPanelProps & { inputShape: number[] | null; scriptRefusal: unknown }) {
  const stored = (block.layers ?? []) as Layer[];
  const storedJson = JSON.stringify(stored);
  const storedInputs = optimizationInputs(block);
  const storedInputsJson = JSON.stringify(storedInputs);
  const [layers, setLayers] = useState<Layer[]>(stored);
  const [inputs, setInputs] = useState<OptimizationInputs>(storedInputs);
  const [localErrors, setLocalErrors] = useState<Partial<Record<OptimizationField, string>>>({});
  // The saved block comes back as the server stores it (defaults filled in): start from that.
  useEffect(() => setLayers(JSON.parse(storedJson) as Layer[]), [storedJson]);
  useEffect(
    () => setInputs(JSON.parse(storedInputsJson) as OptimizationInputs),
    [storedInputsJson],
  );
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const index = impulse.learning_blocks.findIndex((candidate) => candidate.id === block.id);
  const server = optimizationErrors(replace.error, index);
  const changed =
    JSON.stringify(layers) !== storedJson || JSON.stringify(inputs) !== storedInputsJson;
  const save = () => {
    const { values, errors } = optimizationValues(inputs);
    setLocalErrors(errors);
    if (values === null) return;
    replace.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id },
      body: impulseWithLearningBlocks(
        impulse,
        replaceLearningBlock(impulse.learning_blocks, {
          ...block,
          layers: layers as LearningBlockPublic['layers'],
          ...values,
        }),
      ),
    });
  };
  // A 422 is sorted onto the inputs; any other refusal (a 4xx sentence) goes beside the button.
  const unsorted =
    replace.error != null && !Array.isArray((replace.error as { detail?: unknown }).detail)
      ? replace.error
      : null;
  return (
    <>
      <PresetPicker
        inputShape={inputShape}
        layers={layers}
        onLoad={setLayers}
        readOnly={!canWrite}
      />
      <LayerEditor layers={layers} onChange={setLayers} readOnly={!canWrite} />
      <OptimizationFields
        inputs={inputs}
        onChange={(next) => {
          setInputs(next);
          setLocalErrors({});
        }}
        errors={{ ...server.byField, ...localErrors }}
        pairError={server.block ?? (scriptRefusal ? apiErrorMessage(scriptRefusal) : null)}
        readOnly={!canWrite}
      />
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
              setInputs(storedInputs);
              setLocalErrors({});
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
      {server.other.map((message) => (
        <ErrorText key={message} error={message} />
      ))}
      <ErrorText error={unsorted} />
    </>
  );
}

interface ScriptPanelProps extends NetworkPanelProps {
  initialScript: string;
  expert: boolean;
  /** How edited scripts run on this server (sandboxed, trusted, or refused: no sandbox). */
  expertMode: 'sandboxed' | 'trusted' | 'refused';
  expertModeNote: string;
}

function ScriptPanel({
  impulse,
  block,
  initialScript,
  expert,
  canWrite,
  expertMode,
  expertModeNote,
}: ScriptPanelProps) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const [text, setText] = useState(initialScript);
  const save = useMutation(trainingReplaceTrainingScriptMutation());
  const leave = useMutation(trainingDeleteTrainingScriptMutation());
  const changed = text !== initialScript;
  // The server refuses an expert script while the block adds QAT or pruning to generated ones.
  const optimized = !expert && blocksExpertScript(block);
  // Without the training sandbox the server refuses edited scripts: say why, and do not offer it.
  const refused = expertMode === 'refused';
  const saveNote = optimized ? 'script-optimization-note' : refused ? 'sandbox-note' : undefined;
  return (
    <>
      <p className={refused ? 'error-text' : 'hint'} id="sandbox-note">
        {expertModeNote}
      </p>
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
            disabled={(!changed && expert) || save.isPending || optimized || refused}
            aria-describedby={saveNote}
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
      {optimized && canWrite && (
        <p className="hint" id="script-optimization-note">
          This block uses quantization-aware training or pruning, which are added to generated
          scripts only: leave expert mode and turn them off in the layer editor before saving a
          script of your own (in it, call tfmot yourself).
        </p>
      )}
      <ErrorText error={save.error ?? leave.error} />
    </>
  );
}
