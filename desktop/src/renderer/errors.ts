import type { TFunction } from 'i18next';
import { ChannelError } from '../shared/channel-error.js';

/** A failure in the person's language: the code's own sentence when we have one, the server's words otherwise. */
export function describeError(error: unknown, t: TFunction): string {
  const code = error instanceof ChannelError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const key = `errors.${code}`;
  return t(key, { message, defaultValue: t('errors.generic', { message }) });
}

export function errorCode(error: unknown): string | null {
  return error instanceof ChannelError ? error.code : null;
}
