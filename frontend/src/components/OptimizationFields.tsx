// Quantization-aware training or pruning of the generated network (tensorflow-model-optimization),
// saved on the learning block with its layers. The two exclude each other: each input is
// disabled, with the reason, while the other is on.
import {
  optimizationLock,
  PRUNING_MAX,
  PRUNING_MIN,
  type OptimizationField,
  type OptimizationInputs,
} from '../lib/optimization';
import { ErrorText } from './ErrorText';

interface OptimizationFieldsProps {
  inputs: OptimizationInputs;
  onChange: (inputs: OptimizationInputs) => void;
  /** Messages beside each input (the server's refusal or a local check). */
  errors: Partial<Record<OptimizationField, string>>;
  /** A refusal about the pair (the server's "choose ... not both"). */
  pairError: string | null;
  readOnly: boolean;
}

const QAT_HINT =
  'Trains with int8 rounding simulated (tfmot quantize_model), so the int8 model converted ' +
  'afterwards loses less accuracy than from float training. tfmot wraps Dense, Conv2D, ' +
  'DepthwiseConv2D, 2-D and average pooling, Flatten, Reshape, Dropout and Activation, and batch ' +
  'normalization only right after a Conv2D or DepthwiseConv2D: not Conv1D or MaxPooling1D ' +
  '(for audio, the conv2d_audio or ds_cnn_keywords preset).';

const PRUNING_HINT =
  `Share of each layer's weights set to zero, ${PRUNING_MIN} to ${PRUNING_MAX}; empty: off. ` +
  'The smallest weights are zeroed at the end of every epoch, more each time, until this share ' +
  'is reached for the last epoch, which fine-tunes the weights that remain.';

export function OptimizationFields({
  inputs,
  onChange,
  errors,
  pairError,
  readOnly,
}: OptimizationFieldsProps) {
  const lock = optimizationLock(inputs);
  return (
    <fieldset className="settings-group">
      <legend>Optimization (tensorflow-model-optimization)</legend>
      <div className="form-grid">
        <div className="field">
          <div className="field-check">
            <input
              id="quantization-aware-training"
              type="checkbox"
              checked={inputs.quantizationAware}
              disabled={readOnly || lock.quantization_aware_training !== null}
              aria-invalid={errors.quantization_aware_training ? true : undefined}
              aria-describedby="quantization-aware-training-hint quantization-aware-training-error"
              onChange={(event) => onChange({ ...inputs, quantizationAware: event.target.checked })}
            />
            <label htmlFor="quantization-aware-training">Quantization-aware training</label>
          </div>
          <p className="hint" id="quantization-aware-training-hint">
            {lock.quantization_aware_training && (
              <strong>{lock.quantization_aware_training} </strong>
            )}
            {QAT_HINT}
          </p>
          <ErrorText
            id="quantization-aware-training-error"
            error={errors.quantization_aware_training}
          />
        </div>
        <div className="field">
          <label htmlFor="pruning-sparsity">Pruning sparsity</label>
          <input
            id="pruning-sparsity"
            type="number"
            min={PRUNING_MIN}
            max={PRUNING_MAX}
            step={0.05}
            inputMode="decimal"
            placeholder="Off"
            value={inputs.pruningSparsity}
            disabled={readOnly || lock.pruning_sparsity !== null}
            aria-invalid={errors.pruning_sparsity ? true : undefined}
            aria-describedby="pruning-sparsity-hint pruning-sparsity-error"
            onChange={(event) => onChange({ ...inputs, pruningSparsity: event.target.value })}
          />
          <p className="hint" id="pruning-sparsity-hint">
            {lock.pruning_sparsity && <strong>{lock.pruning_sparsity} </strong>}
            {PRUNING_HINT}
          </p>
          <ErrorText id="pruning-sparsity-error" error={errors.pruning_sparsity} />
        </div>
      </div>
      <ErrorText id="optimization-error" error={pairError} />
    </fieldset>
  );
}
