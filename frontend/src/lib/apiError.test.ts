import { describe, expect, it } from 'vitest';

import { apiErrorMessage, apiFieldErrors, errorFieldAmong, validationText } from './apiError';

describe('apiErrorMessage', () => {
  it('uses the detail sentence of an HTTPException', () => {
    expect(apiErrorMessage({ detail: 'project 7 does not exist' })).toBe(
      'project 7 does not exist',
    );
  });

  it('names the field of each validation issue', () => {
    const body = {
      detail: [
        { loc: ['body', 'name'], msg: 'String should have at least 1 character', type: 'x' },
        { loc: ['query', 'limit'], msg: 'Input should be less than or equal to 500', type: 'y' },
      ],
    };
    expect(apiErrorMessage(body)).toBe('Name: At least 1 character.; Limit: At most 500.');
  });

  it('explains that the server cannot be reached when fetch fails', () => {
    expect(apiErrorMessage(new TypeError('Failed to fetch'))).toBe(
      'Cannot reach the server (Failed to fetch).',
    );
  });

  it('never returns an empty string', () => {
    for (const error of [null, undefined, '', {}, [], 42]) {
      expect(apiErrorMessage(error).length).toBeGreaterThan(0);
    }
  });
});

describe('apiFieldErrors', () => {
  it('keys validation messages by field, keeping the first per field', () => {
    const body = {
      detail: [
        { loc: ['body', 'name'], msg: 'too long' },
        { loc: ['body', 'name'], msg: 'second' },
        { loc: ['body', 'description'], msg: 'bad' },
        { loc: ['body'], msg: 'whole body' },
      ],
    };
    expect(apiFieldErrors(body)).toEqual({ name: 'Too long.', description: 'Bad.' });
  });

  it('is empty for errors that are not validation errors', () => {
    expect(apiFieldErrors({ detail: 'nope' })).toEqual({});
    expect(apiFieldErrors(new Error('x'))).toEqual({});
  });
});

describe('errorFieldAmong', () => {
  const fields = ['label', 'category'];

  it('finds the field in a validation error location', () => {
    expect(errorFieldAmong({ detail: [{ loc: ['body', 'category'], msg: 'bad' }] }, fields)).toBe(
      'category',
    );
  });

  it('finds the field a sentence of the upload route is about', () => {
    const labelError = {
      detail: 'The label field is not valid: a label may not contain control characters.',
    };
    expect(errorFieldAmong(labelError, fields)).toBe('label');
    expect(
      errorFieldAmong(
        { detail: 'The category "x" is not one of training, testing, auto.' },
        fields,
      ),
    ).toBe('category');
  });

  it('returns null for errors about anything else', () => {
    expect(errorFieldAmong({ detail: 'The upload has no files.' }, fields)).toBeNull();
    expect(errorFieldAmong({ detail: 'project 9 does not exist' }, fields)).toBeNull();
    expect(errorFieldAmong(new TypeError('Failed to fetch'), fields)).toBeNull();
  });
});

describe('validationText', () => {
  it.each([
    ['String should have at least 3 characters', 'At least 3 characters.'],
    ['String should have at most 1 character', 'At most 1 character.'],
    ['Value error, window_size_ms must be positive', 'window_size_ms must be positive.'],
    ['Input should be less than 500', 'Less than 500.'],
    [
      'Input should be a valid integer, unable to parse string as an integer',
      'A whole number is needed.',
    ],
    ["Input should be 'training' or 'testing'", "Choose 'training' or 'testing'."],
    ['Field required', 'Required.'],
    ['List should have at least 1 item after validation, not 0', 'Choose at least 1.'],
    ['The label is too long.', 'The label is too long.'],
  ])('%s -> %s', (message, expected) => {
    expect(validationText(message)).toBe(expected);
  });
});
