import type { TFunction } from 'i18next';
import { ChannelError } from '../shared/channel-error.js';

/** A failure in the person's language: the code's own sentence when we have one, the server's words otherwise. */
export function describeError(error: unknown, t: TFunction): string {
  const code = error instanceof ChannelError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  // Refusals that travel as VALIDATION/CONFLICT with a stable prefix (issue 12).
  const weak = message.match(/^WEAK_PASSWORD\/(\w+):/)?.[1];
  if (weak) return t(`errors.weakPassword.${weak}`, { defaultValue: t('errors.generic', { message }) });
  if (message.startsWith('LAST_ADMIN:')) return t('errors.LAST_ADMIN');
  const key = `errors.${code}`;
  return t(key, { message, defaultValue: t('errors.generic', { message }) });
}

export function errorCode(error: unknown): string | null {
  return error instanceof ChannelError ? error.code : null;
}
