import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { MostradorError } from './errors.js';

/**
 * Password hashes: scrypt from node:crypto at one fixed cost, stored as
 * `scrypt$131072$8$1$<salt>$<hash>` (16-byte salt and 32-byte hash, base64url). Hashes
 * sync to every station, so the format is a contract: anything else (another cost, a
 * planted `scrypt$1048576$32$16$…` that would stall every login) is refused when pushed
 * and never verified. Raising the cost later means a new fixed format and a rehash at
 * the next login, not accepting whatever a hash says.
 *
 * Each verification takes about 0.5 s of one libuv thread and 128 MiB: they run off the
 * event loop, at most MAX_CONCURRENT at once, with at most MAX_WAITING queued behind.
 */

export const PASSWORD_COST = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MAX_CONCURRENT = 2;
const MAX_WAITING = 32;

/** The one accepted hash shape: fixed cost, 16-byte salt (22 chars), 32-byte key (43 chars). */
const HASH_PATTERN = new RegExp(
  `^scrypt\\$${PASSWORD_COST.N}\\$${PASSWORD_COST.r}\\$${PASSWORD_COST.p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`,
);

/** True when `value` is a password hash in the project's format and cost (the only kind ever verified). */
export function isAcceptedPasswordHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}

/** Why a stored or pushed hash is refused, for refusals; null when it is accepted. */
export function passwordHashProblem(value: unknown): string | null {
  if (isAcceptedPasswordHash(value)) return null;
  return `passwordHash must be scrypt$${PASSWORD_COST.N}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$<salt>$<hash> (the project's one format and cost).`;
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` when a slot is free; refuses at once (RATE_LIMITED) when the queue is full. */
async function bounded<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_WAITING) {
      throw new MostradorError('RATE_LIMITED', 'Too many password checks in progress; try again in a moment.');
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function deriveKey(password: string, salt: Buffer): Promise<Buffer> {
  const { N, r, p } = PASSWORD_COST;
  return bounded(
    () =>
      new Promise((resolve, reject) => {
        // maxmem must cover 128 * N * r bytes, or Node refuses the cost.
        scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
          error ? reject(error) : resolve(key),
        );
      }),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await deriveKey(password, salt);
  const { N, r, p } = PASSWORD_COST;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `password` matches `stored`; false for a wrong password or a hash in any
 * other format or cost (never derived). Throws RATE_LIMITED when too many wait already.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!isAcceptedPasswordHash(stored)) return false;
  const parts = stored.split('$');
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const expected = Buffer.from(parts[5] as string, 'base64url');
  const actual = await deriveKey(password, salt);
  return timingSafeEqual(actual, expected);
}

/** Verified when the username is unknown, so a wrong username costs as long as a wrong password. */
export const UNKNOWN_USER_HASH = 'scrypt$131072$8$1$bW9zdHJhZG9yLWR1bW15LQ$A8kV1o0u3w5T8eHqZ9yQm2Rj7L4cXfN6pB1sDgKhWzE';

// --- Password policy ---------------------------------------------------------------

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 256;

/**
 * The most common passwords of public breach lists (the top of the NCSC/SecLists lists) that are
 * 8 characters or longer, plus the shop's own obvious words: refused outright.
 */
const COMMON_PASSWORDS = new Set([
  '12345678',
  '123456789',
  '1234567890',
  '12345678910',
  '87654321',
  '11111111',
  '00000000',
  '88888888',
  '11223344',
  '12341234',
  '123123123',
  '1q2w3e4r',
  '1qaz2wsx',
  'qwertyuiop',
  'qwerty123',
  'qwerty12',
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'p@ssw0rd',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'superman',
  'trustno1',
  'abc12345',
  'abcd1234',
  'asdfghjkl',
  'zxcvbnm1',
  'letmein1',
  'computer',
  'whatever',
  'starwars',
  'dragon12',
  'mustang1',
  'michelle',
  'jennifer',
  'changeme',
  'administrator',
  'admin123',
  'admin1234',
  'contraseña',
  'contrasena',
  'contraseña1',
  'contrasena1',
  'contraseña123',
  'contrasena123',
  'mostrador',
  'mostrador1',
  'mostrador123',
  'teamo123',
  'tequiero',
  'argentina',
  'barcelona',
  'realmadrid',
  'cajero123',
]);

export type PasswordProblem = 'too_short' | 'too_long' | 'same_as_username' | 'too_common';

const PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
  too_long: `The password may have at most ${MAX_PASSWORD_LENGTH} characters.`,
  same_as_username: 'The password must not be the username.',
  too_common: 'The password is one of the most common passwords; choose another.',
};

/** What is wrong with a new password for `username`, or null when the policy accepts it. */
export function passwordProblem(password: string, username: string | null = null): PasswordProblem | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  const folded = password.trim().toLowerCase();
  if (username && folded === username.trim().toLowerCase()) return 'same_as_username';
  if (COMMON_PASSWORDS.has(folded)) return 'too_common';
  return null;
}

/**
 * Throws VALIDATION when the policy refuses; the message starts with `WEAK_PASSWORD/<problem>:`
 * (a stable code to match on, without a new wire error code) and then says the rule.
 */
export function assertPasswordPolicy(password: string, username: string | null = null): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new MostradorError('VALIDATION', `WEAK_PASSWORD/${problem}: ${PROBLEM_MESSAGES[problem]}`);
}
