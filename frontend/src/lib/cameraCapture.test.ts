import { describe, expect, it } from 'vitest';

import { cameraErrorMessage, centreCrop, photoFileName } from './cameraCapture';

describe('camera photos', () => {
  it('crops the centre of the frame to the chosen aspect ratio', () => {
    expect(centreCrop({ width: 640, height: 480 }, { width: 96, height: 96 })).toEqual({
      sx: 80,
      sy: 0,
      sw: 480,
      sh: 480,
    });
    expect(centreCrop({ width: 480, height: 640 }, { width: 320, height: 240 })).toEqual({
      sx: 0,
      sy: 140,
      sw: 480,
      sh: 360,
    });
    expect(centreCrop({ width: 640, height: 480 }, { width: 320, height: 240 })).toEqual({
      sx: 0,
      sy: 0,
      sw: 640,
      sh: 480,
    });
  });
  it('names the file after the label, the source and the time, with the format extension', () => {
    const when = new Date('2026-12-05T16:00:00.000Z');
    expect(photoFileName(' red cup ', 'png', when)).toBe(
      'red_cup.camera.2026-12-05T16-00-00-000Z.png',
    );
    expect(photoFileName('', 'jpeg', when)).toBe('photo.camera.2026-12-05T16-00-00-000Z.jpg');
  });
  it('says what to do when the camera is refused or missing', () => {
    expect(cameraErrorMessage(new DOMException('x', 'NotAllowedError'))).toMatch(/refused/);
    expect(cameraErrorMessage(new DOMException('x', 'NotFoundError'))).toMatch(/No camera/);
  });
});
