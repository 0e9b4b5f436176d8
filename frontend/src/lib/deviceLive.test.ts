import { describe, expect, it } from 'vitest';

import { liveUrl, parseLiveMessage } from './deviceLive';

describe('parseLiveMessage', () => {
  it('reads samples (with the drop count), status and errors', () => {
    expect(parseLiveMessage('{"type":"samples","values":[[1,2],[3,4]],"dropped":5}')).toEqual({
      type: 'samples',
      values: [
        [1, 2],
        [3, 4],
      ],
      dropped: 5,
    });
    expect(parseLiveMessage('{"type":"status","connected":false,"device_id":"d"}')).toMatchObject({
      connected: false,
    });
    expect(parseLiveMessage('{"type":"error","message":"no"}')).toEqual({
      type: 'error',
      message: 'no',
    });
  });

  it('is null for anything else', () => {
    for (const data of ['', 'nope', '[]', '{"type":"samples"}', '{"type":"status"}', 3]) {
      expect(parseLiveMessage(data)).toBeNull();
    }
  });

  it('builds the URL on the same server, the device id escaped', () => {
    expect(liveUrl({ protocol: 'https:', host: 'x.org' }, 3, 'a b/c')).toBe(
      'wss://x.org/api/projects/3/devices/a%20b%2Fc/live',
    );
  });
});
