// The Tuner page's logic: the request a form makes, a trial as a table row, the scatter plot's
// traces (accuracy vs latency, marker size = RAM, Pareto front highlighted), progress in words.
import type { Data, Layout } from 'plotly.js';

import type { TunerSearchCreate, TunerSearchPublic, TunerTrialPublic } from '../client/types.gen';

export type Objective = 'accuracy' | 'f1' | 'mae';

export interface TunerForm {
  limits: 'board' | 'custom';
  board: string;
  maxLatencyMs: string;
  maxRamKb: string;
  maxFlashKb: string;
  budget: 'trials' | 'time';
  trials: string;
  minutes: string;
  objective: Objective;
  labels: string;
  parallel: string;
  epochs: string;
}

export const defaultForm: TunerForm = {
  limits: 'board',
  board: 'nano33ble',
  maxLatencyMs: '',
  maxRamKb: '',
  maxFlashKb: '',
  budget: 'trials',
  trials: '30',
  minutes: '30',
  objective: 'accuracy',
  labels: '',
  parallel: '2',
  epochs: '20',
};

function whole(text: string, what: string, min: number, max: number): number | string {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    return `${what} must be a whole number from ${min} to ${max}.`;
  }
  return value;
}

function optionalPositive(text: string, what: string): number | null | string {
  if (text.trim() === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) return `${what} must be a positive number.`;
  return value;
}

/** The search request of a filled-in form, or the first thing to fix in it. */
export function searchBody(form: TunerForm): { body: TunerSearchCreate } | { error: string } {
  const body: TunerSearchCreate = { board: form.board, objective: form.objective };
  if (form.limits === 'custom') {
    const latency = optionalPositive(form.maxLatencyMs, 'Max latency');
    const ram = optionalPositive(form.maxRamKb, 'Max RAM');
    const flash = optionalPositive(form.maxFlashKb, 'Max flash');
    for (const value of [latency, ram, flash])
      if (typeof value === 'string') return { error: value };
    if (latency === null && ram === null && flash === null) {
      return { error: 'Give at least one custom limit, or use the board’s.' };
    }
    body.max_latency_ms = latency as number | null;
    body.max_ram_bytes = ram === null ? null : Math.round((ram as number) * 1024);
    body.max_flash_bytes = flash === null ? null : Math.round((flash as number) * 1024);
  }
  if (form.budget === 'trials') {
    const trials = whole(form.trials, 'Trials', 1, 1000);
    if (typeof trials === 'string') return { error: trials };
    body.max_trials = trials;
  } else {
    const minutes = whole(form.minutes, 'Minutes', 1, 7 * 24 * 60);
    if (typeof minutes === 'string') return { error: minutes };
    body.time_budget_s = minutes * 60;
  }
  if (form.objective === 'f1') {
    const labels = form.labels
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean);
    if (labels.length === 0) return { error: 'F1 needs the labels whose F1 to raise.' };
    body.objective_labels = labels;
  }
  const parallel = whole(form.parallel, 'Trials at once', 1, 32);
  if (typeof parallel === 'string') return { error: parallel };
  const epochs = whole(form.epochs, 'Epochs', 1, 500);
  if (typeof epochs === 'string') return { error: epochs };
  body.parallel_trials = parallel;
  body.epochs = epochs;
  return { body };
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json =>
  value && typeof value === 'object' ? (value as Json) : {};
const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

export interface TrialRow {
  id: number;
  number: number;
  state: string;
  dsp: string;
  network: string;
  learningRate: number | null;
  float32: number | null;
  int8: number | null;
  dspMs: number | null;
  modelMs: number | null;
  latencyMs: number | null;
  ramBytes: number | null;
  flashBytes: number | null;
  fits: boolean | null;
  onFront: boolean;
  /** Trial 0: the impulse's own configuration, the one the search has to beat. */
  current: boolean;
  reason: string | null;
  /** The earlier trial of the same configuration whose figures this one shows (not trained). */
  sameAs: number | null;
  worker: string | null;
}

function describeParams(params: Json): string {
  return Object.entries(params)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name} ${typeof value === 'number' ? +value.toPrecision(4) : value}`)
    .join(', ');
}

/** One trial as the table shows it; `objective` picks accuracy (or MAE) as the metric. */
export function trialRow(trial: TunerTrialPublic, objective: Objective): TrialRow {
  const config = record(trial.config);
  const dsp = record(config.dsp);
  const network = record(config.network);
  const result = record(trial.result);
  const cost = record(result.cost);
  const metric = objective === 'mae' ? 'mae' : 'accuracy';
  const params = describeParams(record(dsp.params));
  return {
    id: trial.id,
    number: trial.number,
    state: trial.state,
    dsp: `${String(dsp.type ?? '?')}${params ? ` (${params})` : ''}`,
    network: String(network.description ?? network.family ?? '?'),
    learningRate: numberOrNull(config.learning_rate),
    float32: numberOrNull(record(result.float32)[metric]),
    int8: numberOrNull(record(result.int8)[metric]),
    dspMs: numberOrNull(cost.dsp_latency_ms),
    modelMs: numberOrNull(cost.model_latency_ms),
    latencyMs: numberOrNull(cost.latency_ms),
    ramBytes: numberOrNull(cost.ram_bytes),
    flashBytes: numberOrNull(cost.flash_bytes),
    fits: typeof result.fits === 'boolean' ? result.fits : null,
    onFront: Boolean(trial.on_pareto_front),
    current: config.current_impulse === true,
    reason: (result.reason as string | undefined) ?? trial.error ?? null,
    sameAs: numberOrNull(result.same_as),
    worker: trial.worker_name ?? trial.worker ?? null,
  };
}

/** Marker diameter in pixels for `ramBytes` among `all`: 8 to 28, by the square root (area). */
export function markerSize(ramBytes: number | null, all: ReadonlyArray<number>): number {
  if (ramBytes === null || all.length === 0) return 8;
  const largest = Math.max(...all);
  return largest > 0 ? 8 + 20 * Math.sqrt(ramBytes / largest) : 8;
}

const SHORT_REASON = 80;

/** A failure's reason as the table shows it: what happened in a few words, the rest (what to
 * do) behind it; a short reason is all headline. Touch screens have no tooltips, so the rest is
 * a tap away rather than a hover away. */
export function reasonParts(reason: string): { headline: string; rest: string } {
  const text = reason.trim();
  if (text.length <= SHORT_REASON) return { headline: text, rest: '' };
  // The first clause ("the network learned nothing at learning rate 0.05"), when it is short.
  const stop = text.search(/[:.;] /);
  if (stop > 0 && stop <= SHORT_REASON) {
    return { headline: text.slice(0, stop), rest: text.slice(stop + 1).trim() };
  }
  const space = text.lastIndexOf(' ', SHORT_REASON);
  const cut = space > 0 ? space : SHORT_REASON;
  return { headline: `${text.slice(0, cut)}…`, rest: text.slice(cut).trim() };
}

/** Traces of the scatter plot: every scored trial, then the Pareto front joined by latency.
 * Repeats of an earlier trial are left out: they would hide behind its marker. */
export function scatterTraces(rows: ReadonlyArray<TrialRow>, objective: Objective): Data[] {
  const scored = rows.filter(
    (row) => row.int8 !== null && row.latencyMs !== null && row.sameAs === null,
  );
  const rams = scored.map((row) => row.ramBytes ?? 0);
  const name =
    objective === 'mae' ? 'int8 MAE' : objective === 'f1' ? 'int8 accuracy' : 'int8 accuracy';
  const text = scored.map(
    (row) =>
      `#${row.number}${row.current ? ' (current impulse)' : ''} ${row.dsp}<br>${row.network}` +
      `<br>RAM ${row.ramBytes ?? '?'} B` +
      (row.fits === false ? '<br>does not fit' : ''),
  );
  const front = scored
    .filter((row) => row.onFront)
    .sort((a, b) => (a.latencyMs ?? 0) - (b.latencyMs ?? 0));
  return [
    {
      type: 'scatter',
      mode: 'markers',
      name: 'trials',
      x: scored.map((row) => row.latencyMs),
      y: scored.map((row) => row.int8),
      text,
      hoverinfo: 'x+y+text',
      marker: {
        size: scored.map((row) => markerSize(row.ramBytes, rams)),
        color: scored.map((row) => (row.fits === false ? '#c0392b' : '#5b7fa6')),
        opacity: 0.7,
      },
    } as Data,
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'Pareto front',
      x: front.map((row) => row.latencyMs),
      y: front.map((row) => row.int8),
      line: { color: '#e67e22', width: 2 },
      marker: { size: 6, color: '#e67e22', symbol: 'diamond' },
      hoverinfo: 'skip',
      legendgroup: name,
    } as Data,
  ];
}

/** The scatter plot's axes and legend. The chart takes its container's width, a phone's
 * included; automargin lets the axis titles push the margins rather than be cut off there. */
export function scatterLayout(objective: Objective): Partial<Layout> {
  return {
    xaxis: { title: { text: 'latency on the board, DSP + model (ms)' }, automargin: true },
    yaxis: {
      title: { text: objective === 'mae' ? 'int8 MAE' : 'int8 accuracy' },
      automargin: true,
    },
    showlegend: true,
    legend: { orientation: 'h', y: -0.25 },
  };
}

/** "7 of 30 trials · 5 min 10 s" (time budgets: "7 trials · 5 of 30 min"). */
export function searchProgress(search: TunerSearchPublic): string {
  const seconds = Math.round(search.running_seconds ?? 0);
  const time = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
  const finished = search.trials_finished ?? 0;
  if (search.max_trials) return `${finished} of ${search.max_trials} trials · ${time}`;
  const budget = Math.round((search.time_budget_s ?? 0) / 60);
  return `${finished} trials · ${Math.floor(seconds / 60)} of ${budget} min`;
}

/** Percent done, for the progress bar: trials, or time for a time budget. */
export function searchPercent(search: TunerSearchPublic): number {
  if (search.state === 'done') return 100;
  if (search.max_trials)
    return Math.min(100, (100 * (search.trials_finished ?? 0)) / search.max_trials);
  if (search.time_budget_s) {
    return Math.min(100, (100 * (search.running_seconds ?? 0)) / search.time_budget_s);
  }
  return 0;
}
