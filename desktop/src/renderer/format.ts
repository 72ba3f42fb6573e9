import type { TFunction } from 'i18next';

/** Money is integer cents everywhere; shown with two decimals in the chosen language. */
export function formatMoney(cents: number, language: string): string {
  return new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(cents / 100);
}

/** Reads "12,50" or "12.50" as 1250 cents; null when it is not an amount. */
export function parseMoney(text: string): number | null {
  const clean = text.trim().replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(clean)) return null;
  return Math.round(Number(clean) * 100);
}

export function timeAgo(iso: string | null, now: number, t: TFunction): string {
  if (!iso) return t('status.never');
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 5) return t('time.justNow');
  if (seconds < 60) return t('time.secondsAgo', { count: seconds });
  if (seconds < 3600) return t('time.minutesAgo', { count: Math.floor(seconds / 60) });
  return t('time.hoursAgo', { count: Math.floor(seconds / 3600) });
}

/**
 * What waits to be sent, in a person's units (issue 13): "1 venta y 3 cambios pendientes de
 * enviar". A sale is one write group however many rows it has.
 */
export function pendingWork(work: { sales: number; changes: number }, t: TFunction): string {
  const parts = [
    work.sales > 0 ? t('status.sales', { count: work.sales }) : null,
    work.changes > 0 ? t('status.changes', { count: work.changes }) : null,
  ].filter((part): part is string => part !== null);
  if (parts.length === 0) return t('status.noPending');
  const what = parts.length === 2 ? t('status.both', { first: parts[0], second: parts[1] }) : parts[0];
  return t('status.waiting', { what, count: work.sales + work.changes });
}

/** A station's clock this far from the server's is worth telling a person about. */
export const CLOCK_WARNING_MS = 60_000;

/**
 * A clock off by `aheadMs` (negative: behind) in words: "10 min adelantado", "2 h atrasado",
 * or null when it is within a minute (Mostrador corrects small differences by itself).
 */
export function clockWords(aheadMs: number | null | undefined, t: TFunction): string | null {
  if (aheadMs === null || aheadMs === undefined || Math.abs(aheadMs) < CLOCK_WARNING_MS) return null;
  const minutes = Math.round(Math.abs(aheadMs) / 60_000);
  const amount =
    minutes < 120 ? t('clock.minutes', { count: minutes }) : t('clock.hours', { count: Math.round(minutes / 60) });
  return t(aheadMs > 0 ? 'clock.ahead' : 'clock.behind', { amount });
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
