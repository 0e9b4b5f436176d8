// Rows of values from a live source (a board over Web Serial, a remote device's WebSocket),
// handed to whoever listens: the live plot and the recorder.

export type RowListener = (rows: ReadonlyArray<ReadonlyArray<number>>) => void;

export class RowBus {
  private listeners = new Set<RowListener>();

  subscribe(listener: RowListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(rows: ReadonlyArray<ReadonlyArray<number>>): void {
    if (rows.length === 0) return;
    for (const listener of this.listeners) listener(rows);
  }
}

/**
 * The next `count` rows the bus carries (a recording of count / frequency seconds). Rejects when
 * fewer arrive within `timeoutMs` (the board stopped, the connection dropped).
 */
export function recordRows(bus: RowBus, count: number, timeoutMs: number): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const rows: number[][] = [];
    const stop = () => {
      unsubscribe();
      clearTimeout(timer);
    };
    const unsubscribe = bus.subscribe((incoming) => {
      for (const row of incoming) {
        if (rows.length < count) rows.push([...row]);
      }
      if (rows.length >= count) {
        stop();
        resolve(rows);
      }
    });
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `Only ${rows.length} of ${count} rows arrived in ${Math.round(timeoutMs / 1000)} s: ` +
            'is the board still sending?',
        ),
      );
    }, timeoutMs);
  });
}
