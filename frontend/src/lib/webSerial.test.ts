// Web Serial with a mocked navigator.serial whose port is fed the byte stream of a board that
// prints a synthetic 3-axis signal at 100 Hz (the emulated board of the forwarder's tests prints
// the same kind of stream).
import { describe, expect, it } from 'vitest';

import { RowBus, recordRows } from './rowBus';
import { BAUD_RATES, SerialSession, webSerial, type SerialPortLike } from './webSerial';

const RATE_HZ = 100;

function boardBytes(lines: number): Uint8Array {
  let text = 'boot: synthetic 3-axis board\r\n';
  for (let i = 0; i < lines; i += 1) {
    const t = i / RATE_HZ;
    text += `${Math.sin(2 * Math.PI * t).toFixed(4)},${Math.cos(2 * Math.PI * t).toFixed(4)},${(9.81 + 0.1 * Math.sin(6 * t)).toFixed(4)}\r\n`;
  }
  return new TextEncoder().encode(text);
}

/** A port whose readable stream delivers `bytes` in chunks of 64, as a USB serial adapter does. */
function mockPort(bytes: Uint8Array): SerialPortLike & { opened: number | null; closed: boolean } {
  let offset = 0;
  const port = {
    opened: null as number | null,
    closed: false,
    readable: new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + 64));
        offset += 64;
      },
    }),
    async open(options: { baudRate: number }) {
      port.opened = options.baudRate;
    },
    async close() {
      port.closed = true;
    },
  };
  return port;
}

describe('webSerial', () => {
  it('is null where the browser has no Web Serial', () => {
    expect(webSerial({})).toBeNull();
    expect(webSerial(undefined)).toBeNull();
    expect(
      webSerial({ serial: { requestPort: () => Promise.reject(new Error('x')) } }),
    ).not.toBeNull();
  });

  it('opens the chosen port at the chosen baud rate, finds 3 axes at 100 Hz and records rows', async () => {
    const port = mockPort(boardBytes(300));
    const navigatorMock = { serial: { requestPort: async () => port } };
    const serial = webSerial(navigatorMock);
    expect(serial).not.toBeNull();
    const bus = new RowBus();
    const recording = recordRows(bus, 150, 5000); // 1.5 s at 100 Hz
    // The clock moves 10 ms per line delivered: the board's pace.
    let clockMs = 0;
    const session = await SerialSession.open(
      serial!,
      BAUD_RATES[4]!,
      (rows) => {
        clockMs += rows.length * 10;
        bus.emit(rows);
      },
      () => clockMs,
    );
    await session.done;
    expect(port.opened).toBe(115200);
    expect(session.stream.state.axisCount).toBe(3);
    expect(session.stream.state.frequencyHz).toBe(100);
    expect(session.stream.state.dataLines).toBe(300);
    const rows = await recording;
    expect(rows).toHaveLength(150);
    expect(rows[25]).toEqual([1, 0, Number((9.81 + 0.1 * Math.sin(1.5)).toFixed(4))]);
    await session.close();
    expect(port.closed).toBe(true);
  });

  it('a recording that does not get its rows says so', async () => {
    await expect(recordRows(new RowBus(), 10, 20)).rejects.toThrow(/Only 0 of 10 rows/);
  });
});
