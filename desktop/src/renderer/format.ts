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

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
