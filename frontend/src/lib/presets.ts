// Preset networks in the layer editor: which preset the editor's layers are, whether loading
// another would throw away layers the user made, and the input shape the presets are asked for.
import type { LearningPresetPublic } from '../client/types.gen';
import type { Layer } from './layerList';

/** A value with its object keys sorted and null entries dropped, for comparing layers. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== null && inner !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, canonical(inner)]),
    );
  }
  return value;
}

/**
 * The same network: same layers in the same order with the same values. Key order and keys left
 * null (an optional value the server stores as null, the editor may leave out) do not count.
 */
export function sameLayers(a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The name of the preset whose layers `layers` are exactly, or null (the user's own network). */
export function matchingPreset(
  layers: ReadonlyArray<Layer>,
  presets: ReadonlyArray<LearningPresetPublic>,
): string | null {
  const match = presets.find(
    (preset) => preset.layers != null && sameLayers(layers, preset.layers),
  );
  return match?.name ?? null;
}

/**
 * Loading a preset asks first when it would replace layers the user made: layers that are not
 * exactly one of the presets (saved or not). An empty list or an untouched preset is replaced
 * without asking.
 */
export function replacingLosesEdits(
  layers: ReadonlyArray<Layer>,
  presets: ReadonlyArray<LearningPresetPublic>,
): boolean {
  return layers.length > 0 && matchingPreset(layers, presets) === null;
}

/** The preset's layers as the editor holds them; an error when it cannot take the input shape. */
export function presetLayers(preset: LearningPresetPublic): Layer[] {
  if (preset.layers == null) {
    throw new Error(preset.error ?? `preset ${preset.name} cannot take these features`);
  }
  return preset.layers.map((layer) => ({ ...layer }) as Layer);
}

/** The preset to offer first: the one the layers are, else the first that fits, else the first. */
export function initialPresetChoice(
  layers: ReadonlyArray<Layer>,
  presets: ReadonlyArray<LearningPresetPublic>,
): string {
  return (
    matchingPreset(layers, presets) ??
    presets.find((preset) => preset.layers != null)?.name ??
    presets[0]?.name ??
    ''
  );
}

interface FeatureShape {
  dsp_block_id: number;
  shape?: number[] | null;
}

/**
 * The learning block's input shape from the generated features (the features summary): one DSP
 * block's shape as it is, several blocks' features flattened and concatenated, as training
 * feeds them; null while a block has no features.
 */
export function learningInputShape(
  dspBlockIds: ReadonlyArray<number>,
  features: ReadonlyArray<FeatureShape>,
): number[] | null {
  const shapes = dspBlockIds.map(
    (id) => features.find((block) => block.dsp_block_id === id)?.shape ?? null,
  );
  if (shapes.length === 0 || shapes.some((shape) => shape == null || shape.length === 0)) {
    return null;
  }
  if (shapes.length === 1) return [...shapes[0]!];
  const size = (shape: number[]) => shape.reduce((product, dimension) => product * dimension, 1);
  return [shapes.reduce((total, shape) => total + size(shape!), 0)];
}

/**
 * One sentence on which presets fit the features, or null when several do and the list says
 * enough: none fits, or the only one that fits is (or is not yet) the editor's layers.
 */
export function presetFitSummary(
  presets: ReadonlyArray<LearningPresetPublic>,
  current: string | null,
  shapeWords: string,
): string | null {
  const fitting = presets.filter((preset) => preset.layers != null);
  if (fitting.length === 0) {
    return `No preset network takes features ${shapeWords}; add layers yourself below.`;
  }
  if (fitting.length > 1) return null;
  const only = fitting[0]!.name;
  return only === current
    ? `${only} is the only preset that fits features ${shapeWords}, and it is loaded: the others are explained below.`
    : `${only} is the only preset that fits features ${shapeWords}.`;
}
