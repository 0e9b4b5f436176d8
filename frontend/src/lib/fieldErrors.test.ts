import { describe, expect, it } from 'vitest';

import { locPath, placeFieldErrors } from './fieldErrors';

describe('locPath', () => {
  it('drops the request part and joins the rest with dots', () => {
    expect(locPath(['body', 'dsp_blocks', 0, 'params', 'fft_length'])).toBe(
      'dsp_blocks.0.params.fft_length',
    );
    expect(locPath(['query', 'limit'])).toBe('limit');
    expect(locPath(['input_block', 'axes'])).toBe('input_block.axes');
  });
});

describe('placeFieldErrors', () => {
  const fields = [
    'input_block.window_size_ms',
    'input_block.axes',
    'dsp_blocks.0.params.fft_length',
    'dsp_blocks.0.params.n_filters',
    'dsp_blocks.0',
  ];

  it('puts each message on the field its loc names, deeper locations on their holder', () => {
    const body = {
      detail: [
        {
          loc: ['body', 'input_block', 'window_size_ms'],
          msg: 'must be at least 10 ms',
          type: 'value_error',
        },
        {
          loc: ['body', 'input_block', 'axes', 1],
          msg: "axis 'x' is listed twice",
          type: 'value_error',
        },
        {
          loc: ['body', 'dsp_blocks', 0, 'params', 'fft_length', 'int'],
          msg: 'too small',
          type: 'x',
        },
        { loc: ['body', 'dsp_blocks', 0, 'type'], msg: 'unknown block', type: 'x' },
        { loc: ['body', 'name'], msg: 'too long', type: 'x' },
        { msg: 'something else' },
      ],
    };
    expect(placeFieldErrors(body, fields)).toEqual({
      byField: {
        'input_block.window_size_ms': 'Must be at least 10 ms.',
        'input_block.axes': "Axis 'x' is listed twice.",
        'dsp_blocks.0.params.fft_length': 'Too small.',
        'dsp_blocks.0': 'Unknown block.',
      },
      unplaced: ['name: Too long.', 'Something else.'],
    });
  });

  it('does not match a field by a mere name prefix', () => {
    const body = {
      detail: [{ loc: ['body', 'dsp_blocks', 0, 'params', 'n_filters_extra'], msg: 'x' }],
    };
    expect(placeFieldErrors(body, ['dsp_blocks.0.params.n_filters']).unplaced).toEqual([
      'dsp_blocks.0.params.n_filters_extra: X.',
    ]);
  });

  it('keeps the first message of a field and ignores bodies that are not validation errors', () => {
    const body = {
      detail: [
        { loc: ['body', 'input_block', 'axes'], msg: 'first' },
        { loc: ['body', 'input_block', 'axes'], msg: 'second' },
      ],
    };
    expect(placeFieldErrors(body, fields).byField).toEqual({ 'input_block.axes': 'First.' });
    expect(placeFieldErrors({ detail: 'Not found' }, fields)).toEqual({
      byField: {},
      unplaced: [],
    });
    expect(placeFieldErrors(new TypeError('offline'), fields)).toEqual({
      byField: {},
      unplaced: [],
    });
  });

  it("says pydantic's stock messages in words, without the 'Value error, ' prefix", () => {
    const body = {
      detail: [
        {
          loc: ['body', 'input_block', 'window_size_ms'],
          msg: 'Value error, the window is longer than every sample',
        },
        {
          loc: ['body', 'dsp_blocks', 0, 'params', 'fft_length'],
          msg: 'Input should be greater than or equal to 4',
        },
      ],
    };
    expect(placeFieldErrors(body, fields).byField).toEqual({
      'input_block.window_size_ms': 'The window is longer than every sample.',
      'dsp_blocks.0.params.fft_length': 'At least 4.',
    });
  });
});
