// The Deployment page's summary of the last `mcuforge device-test` report: how many test
// windows the board classified as the platform did, and its count against the estimate.
import type { DeviceTestReportPublic } from '../client/types.gen';

/** "18 of 18 windows (100 %)", agreement rounded down so 99.95 % never reads as 100 %. */
export function agreementText(report: DeviceTestReportPublic): string {
  const percent = Math.floor(report.agreement_percent * 10) / 10;
  return `${report.windows_agreeing} of ${report.windows_total} windows (${percent} %)`;
}

const UNIT_NAMES: Record<string, string> = {
  cycles: 'cycles',
  instructions: 'instructions (emulator: no cycle counter)',
  us: 'µs (board timer)',
};

/** "1 234 567 cycles a window"; the unit the board counted in says what the figure is. */
export function counterText(report: DeviceTestReportPublic): string {
  const value = Math.round(report.counter_mean).toLocaleString('en-US').replace(/,/g, ' ');
  return `${value} ${UNIT_NAMES[report.counter_unit] ?? report.counter_unit} a window`;
}

/** The board against the estimate: "1.12× the estimate (1 100 000 cycles)". Only counts of
 * cycles or instructions compare with an estimate in cycles; a timer in µs does not. */
export function estimateComparison(report: DeviceTestReportPublic): string | null {
  if (report.estimate_cycles == null || report.estimate_cycles <= 0) return null;
  if (report.counter_unit === 'us') return null;
  const ratio = report.counter_mean / report.estimate_cycles;
  const estimate = Math.round(report.estimate_cycles).toLocaleString('en-US').replace(/,/g, ' ');
  return `${ratio.toFixed(2)}× the estimate (${estimate} cycles on ${report.board})`;
}
