// A board on a serial port, read in the browser through Web Serial (Chromium on desktops):
// the port is opened at the chosen baud rate and its text goes through the line format's parser.
import { LineStream, type LineStreamState } from './serialLines';

/** The part of the Web Serial API used here (TypeScript's DOM types do not declare it). */
export interface SerialPortLike {
  open(options: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  readonly readable: ReadableStream<Uint8Array> | null;
}

export interface SerialLike {
  requestPort(options?: object): Promise<SerialPortLike>;
}

export const BAUD_RATES: ReadonlyArray<number> = [
  9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600,
];

/** navigator.serial where the browser has it (Chromium on desktops), else null. */
export function webSerial(nav: object | undefined = globalThis.navigator): SerialLike | null {
  if (!nav || !('serial' in nav)) return null;
  const serial = (nav as { serial?: unknown }).serial;
  return serial && typeof (serial as SerialLike).requestPort === 'function'
    ? (serial as SerialLike)
    : null;
}

export type RowsHandler = (rows: number[][], state: LineStreamState) => void;

/** An open port being read until `close()` or the end of its stream. */
export class SerialSession {
  readonly stream = new LineStream();
  readonly done: Promise<void>;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private closed = false;

  private constructor(
    private readonly port: SerialPortLike,
    onRows: RowsHandler,
    now: () => number,
  ) {
    this.done = this.read(onRows, now);
  }

  /** Ask the user for a port (the browser's picker), open it and start reading. */
  static async open(
    serial: SerialLike,
    baudRate: number,
    onRows: RowsHandler,
    now: () => number = () => performance.now(),
  ): Promise<SerialSession> {
    const port = await serial.requestPort();
    await port.open({ baudRate });
    return new SerialSession(port, onRows, now);
  }

  private async read(onRows: RowsHandler, now: () => number): Promise<void> {
    if (!this.port.readable)
      throw new Error('The port cannot be read (is another program using it?).');
    const decoder = new TextDecoder();
    this.reader = this.port.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done || this.closed) break;
        const rows = this.stream.feed(decoder.decode(value, { stream: true }), now());
        onRows(rows, { ...this.stream.state });
      }
    } finally {
      this.reader.releaseLock();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.reader?.cancel();
    } catch {
      // the stream ended already
    }
    await this.done.catch(() => undefined);
    await this.port.close().catch(() => undefined);
  }
}
