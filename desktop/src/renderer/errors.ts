import type { TFunction } from 'i18next';
import { ChannelError } from '../shared/channel-error.js';

/**
 * Refusals of the station's own shop rules, recognised by their message (they travel as
 * VALIDATION or CONFLICT): the rule in the person's words rather than the code's generic one.
 */
const KNOWN_REFUSALS: [RegExp, string][] = [
  [/^LAST_ADMIN:/, 'errors.LAST_ADMIN'],
  [/needs a reason\.$/, 'errors.reasonRequired'],
  [/needs at least one (item|line)\.$/, 'errors.noLines'],
  [/^Open the cash drawer/, 'till.needSession'],
  [/^No open cash session/, 'errors.needCashSession'],
  [/already has an open cash session\.$/, 'errors.cashAlreadyOpen'],
  [/^Sale \S+ has returns/, 'errors.saleHasReturns'],
  [/^Sale \S+ is voided\.$/, 'errors.saleVoided'],
  [/^A return cannot be returned\.$/, 'errors.returnOfReturn'],
  [/is not on sale \(inactive product\)\.$/, 'errors.inactiveProduct'],
  [/already holds an enrolled station|is already enrolled\.$/, 'errors.alreadyEnrolled'],
];

/**
 * A failure in the person's language, chosen by its code (and for validation, the field):
 * never the server's or the core's own words, which are English and meant for a developer
 * (issue 13). Unknown codes get a generic sentence in the UI's language.
 */
export function describeError(error: unknown, t: TFunction): string {
  const code = errorCode(error) ?? 'INTERNAL';
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  const generic = t('errors.generic');
  // Password rules travel as VALIDATION with a stable prefix (issue 12).
  const weak = message.match(/^WEAK_PASSWORD\/(\w+):/)?.[1];
  if (weak) return t(`errors.weakPassword.${weak}`, { defaultValue: t('errors.VALIDATION') });
  const known = KNOWN_REFUSALS.find(([pattern]) => pattern.test(message));
  if (known && (code === 'VALIDATION' || code === 'CONFLICT')) return t(known[1]);
  const field = fieldLabel(code, message, t);
  if (field && code === 'VALIDATION') return t('errors.validationField', { field });
  if (field && code === 'UNIQUE_VIOLATION') return t('errors.uniqueField', { field });
  return t(`errors.${code}`, { defaultValue: generic });
}

/** A station's last error as the monitor receives it ("CODE: message"), in the person's words. */
export function describeReportedError(reported: string, t: TFunction): string {
  const [, code, message] = reported.match(/^([A-Z_]+): ([\s\S]*)$/) ?? [];
  return code ? describeError({ code, message }, t) : t('errors.generic');
}

/** The field a validation or uniqueness refusal names, as the form labels it; null when none we know. */
function fieldLabel(code: string, message: string, t: TFunction): string | null {
  let name: string | undefined;
  if (code === 'VALIDATION') {
    // "products: /price: Expected integer" (a row), "body/password: …" (a server route).
    name = message.match(/^(?:\w+: |body|querystring|params)\/([A-Za-z]\w*)/)?.[1];
  } else if (code === 'UNIQUE_VIOLATION') {
    // "Another products row already has sku "P-1"." (station), "… has this sku." (server).
    name = message.match(/ already has (?:this )?([A-Za-z]\w*)/)?.[1];
  }
  if (!name) return null;
  const label = t(`fields.${name}`, { defaultValue: '' });
  return label || null;
}

/** A failure's catalogue code: a channel's, or one carried by a plain object (a status's lastError). */
export function errorCode(error: unknown): string | null {
  if (error instanceof ChannelError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : null;
}
