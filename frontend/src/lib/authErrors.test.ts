import { describe, expect, it } from 'vitest';

import { formatWait, retryAfterSeconds, signInErrors, signUpErrors } from './authErrors';

describe('signInErrors', () => {
  it('puts a wrong password beside the password field', () => {
    expect(signInErrors(401, { detail: 'unknown username or wrong password' }, null)).toEqual({
      fields: { password: 'Unknown username or wrong password.' },
      form: null,
    });
  });
  it('says how long to wait after too many failures', () => {
    const errors = signInErrors(429, { detail: 'too many' }, 125);
    expect(errors.form).toBe('Too many failed sign-ins for this account. Try again in 2 min 5 s.');
    expect(errors.fields).toEqual({});
  });
  it('places validation messages by field', () => {
    const body = {
      detail: [{ loc: ['body', 'username'], msg: 'String should have at least 1 character' }],
    };
    expect(signInErrors(422, body, null)).toEqual({
      fields: { username: 'At least 1 character.' },
      form: null,
    });
  });
  it('shows anything else on the form', () => {
    expect(signInErrors(503, { detail: 'database down' }, null).form).toBe('Database down');
  });
});

describe('signUpErrors', () => {
  it('puts a taken username or email beside its field', () => {
    expect(
      signUpErrors(409, { detail: 'an account with this email already exists; sign in' }).fields,
    ).toEqual({ email: 'An account with this email already exists; sign in' });
    expect(
      Object.keys(
        signUpErrors(409, { detail: 'an account with this username already exists' }).fields,
      ),
    ).toEqual(['username']);
  });
  it('places a short password beside the password field', () => {
    const body = {
      detail: [{ loc: ['body', 'password'], msg: 'String should have at least 8 characters' }],
    };
    expect(signUpErrors(422, body).fields.password).toBe('At least 8 characters.');
  });
});

describe('formatWait and retryAfterSeconds', () => {
  it.each([
    [0, '0 s'],
    [44.2, '45 s'],
    [60, '1 min'],
    [61, '1 min 1 s'],
  ])('%s s reads "%s"', (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
  it('reads whole seconds only', () => {
    expect(retryAfterSeconds('30')).toBe(30);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:00 GMT')).toBeNull();
  });
});
