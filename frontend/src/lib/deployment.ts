// Deployment choices, the boards (GET /api/boards) and the per-board estimates table.
import type {
  BoardPublic,
  DeploymentEstimatesPublic,
  DeploymentTargetPublic,
} from '../client/types.gen';
import { formatBytes } from './format';

/** The board to select when the page opens: the current choice if it is listed, else the first. */
export function boardFor(
  boards: ReadonlyArray<BoardPublic>,
  current: string | null,
): string | null {
  if (current !== null && boards.some((board) => board.name === current)) return current;
  return boards[0]?.name ?? null;
}

/** Memory sizes as boards' datasheets give them, in powers of 1024: "256 KiB", "1 MiB". */
export function formatMemory(sizeBytes: number): string {
  if (sizeBytes >= 1024 * 1024) return `${Number((sizeBytes / (1024 * 1024)).toFixed(2))} MiB`;
  if (sizeBytes >= 1024) return `${Number((sizeBytes / 1024).toFixed(1))} KiB`;
  return `${sizeBytes} B`;
}

/** "Cortex-M4F at 64 MHz, 256 KiB RAM, 1 MiB flash, FPU fpv4-sp-d16, DSP extension". */
export function describeBoard(board: BoardPublic): string {
  const core = board.core
    .replace(/^cortex-m/i, 'Cortex-M')
    .replace(/plus$/, '+')
    .replace(/f$/, 'F');
  const parts = [
    `${core} at ${Number((board.clock_hz / 1e6).toFixed(1))} MHz`,
    `${formatMemory(board.ram_bytes)} RAM`,
    `${formatMemory(board.flash_bytes)} flash`,
    board.fpu ? `FPU ${board.fpu}` : 'no FPU',
  ];
  if (board.dsp_extension) parts.push('DSP extension');
  return parts.join(', ');
}

/** What choosing float32 costs on `board`: null for int8. Without an FPU every float operation
 * is a soft-float library call, measured in the estimates but worth saying where it is chosen. */
export function precisionNote(precision: string, board: BoardPublic | undefined): string | null {
  if (precision !== 'float32') return null;
  const base =
    'float32: the model as trained, not quantized; four bytes a weight and an activation.';
  if (board && !board.fpu) {
    return `${base} ${board.name} has no FPU: every float operation is a soft-float library call, many times slower than int8 (see the estimates).`;
  }
  return base;
}

/** The first target that can be built, to select when the page opens. */
export function defaultTarget(targets: ReadonlyArray<DeploymentTargetPublic>): string | null {
  return (
    (targets.find((t) => t.name === 'cpp-sdk' && t.available) ?? targets.find((t) => t.available))
      ?.name ?? null
  );
}

/** The precision to keep when the target changes: the current one if it offers it. */
export function precisionFor(target: DeploymentTargetPublic | undefined, current: string): string {
  if (!target || target.precisions.length === 0) return current;
  return target.precisions.includes(current) ? current : target.precisions[0]!;
}

/** "12.4 ms", "850 µs", "—". */
export function formatLatency(latencyMs: number | null | undefined): string {
  if (latencyMs == null || !Number.isFinite(latencyMs)) return '—';
  if (latencyMs < 1) return `${Math.round(latencyMs * 1000)} µs`;
  return `${Number(latencyMs.toFixed(latencyMs < 10 ? 2 : 1))} ms`;
}

/** Instruction and cycle counts: "740", "9.9 k", "1.23 M", "—". */
export function formatCount(count: number | null | undefined): string {
  if (count == null || !Number.isFinite(count)) return '—';
  if (count >= 1e6) return `${Number((count / 1e6).toFixed(2))} M`;
  if (count >= 1e4) return `${Number((count / 1e3).toFixed(1))} k`;
  return `${Math.round(count)}`;
}

type Cost = DeploymentEstimatesPublic['int8']['model'];

export interface EstimateCell {
  latency: string;
  /** "DSP 50.4 ms + model 2.4 ms", null without a DSP block. */
  latencySplit: string | null;
  ram: string;
  /** The DSP's share of the RAM: "DSP 72.7 kB (stack 224 B)", null without a DSP block. */
  dspRam: string | null;
  flash: string;
  /** "fits", "too big" or "unknown". */
  fit: string;
  /** Why the fit is unknown (which figure is missing and why); null when it is known. */
  fitReason: string | null;
  method: string;
  /** "≈ 1.23 M" cycles by the Cortex-M4 model, "—" without them. */
  cycles: string;
  /** "≈ 19.2 ms": the cycles (scaled to the board's core) at its clock; null without them. */
  cycleLatency: string | null;
  /** The instruction count beside them, a lower bound: "950 k". */
  instructions: string;
  /** "DSP ≈ 1 M + model ≈ 430 k", null without a DSP block or cycles. */
  cycleSplit: string | null;
  /** What the cycles are and assume, or why there are none. */
  cycleBasis: string | null;
}

export interface EstimateRow {
  board: string;
  description: string;
  /** What the cycle figures assume of this board's core; null without them. */
  cycleAssumption: string | null;
  int8: EstimateCell;
  float32: EstimateCell;
}

function cell(
  estimate: DeploymentEstimatesPublic['int8'],
  board: DeploymentEstimatesPublic['board'],
): EstimateCell {
  const total = estimate.total;
  const dsp = estimate.dsp;
  const share = (used: number | null | undefined, available: number) =>
    used == null ? '—' : `${formatBytes(used)} (${Math.round((used / available) * 100)}%)`;
  return {
    latency: formatLatency(total.latency_ms),
    latencySplit: dsp
      ? `DSP ${formatLatency(dsp.latency_ms)} + model ${formatLatency(estimate.model.latency_ms)}`
      : null,
    ram: share(total.ram_bytes, board.ram_bytes),
    dspRam: dsp
      ? `DSP ${dsp.ram_bytes == null ? '—' : formatBytes(dsp.ram_bytes)}` +
        (dsp.stack_bytes != null ? ` (stack ${formatBytes(dsp.stack_bytes)})` : '')
      : null,
    flash: share(total.flash_bytes, board.flash_bytes),
    fit: estimate.fits === null ? 'unknown' : estimate.fits ? 'fits' : 'too big',
    fitReason:
      estimate.fits === null
        ? (estimate.fits_unknown_reason ?? 'a flash or RAM figure is missing')
        : null,
    method: total.method,
    cycles: total.cycles == null ? '—' : `≈ ${formatCount(total.cycles)}`,
    cycleLatency:
      total.cycle_latency_ms == null ? null : `≈ ${formatLatency(total.cycle_latency_ms)}`,
    instructions: formatCount(total.instructions),
    cycleSplit:
      dsp && total.cycles != null
        ? `DSP ≈ ${formatCount(dsp.cycles)} + model ≈ ${formatCount(estimate.model.cycles)}`
        : null,
    cycleBasis: total.cycle_basis ?? null,
  };
}

function cycleAssumption(entry: DeploymentEstimatesPublic): string | null {
  const parts: Array<Cost | null | undefined> = [entry.int8.total, entry.float32.total];
  return parts.find((part) => part?.cycle_assumption)?.cycle_assumption ?? null;
}

/** One row per board whose estimates arrived, int8 and float32 side by side. */
export function estimateRows(estimates: ReadonlyArray<DeploymentEstimatesPublic>): EstimateRow[] {
  return estimates.map((entry) => ({
    board: entry.board.name,
    description: entry.board.description,
    cycleAssumption: cycleAssumption(entry),
    int8: cell(entry.int8, entry.board),
    float32: cell(entry.float32, entry.board),
  }));
}

/** "int8 on nano33ble: the model's RAM is unknown (...)" for each cell whose fit is unknown. */
export function unknownFitNotes(rows: ReadonlyArray<EstimateRow>): string[] {
  return rows.flatMap((row) =>
    (['int8', 'float32'] as const).flatMap((precision) => {
      const reason = row[precision].fitReason;
      return reason ? [`${precision} on ${row.board}: ${reason}`] : [];
    }),
  );
}
