/**
 * "Fix" a record from anywhere (issue 13): the refused-records list asks the layout to show
 * the record's section with its form open. A window event keeps the two apart.
 */
export interface OpenRecord {
  table: string;
  id: string;
}

const EVENT = 'mostrador:open-record';

export function openRecord(record: OpenRecord): void {
  window.dispatchEvent(new CustomEvent<OpenRecord>(EVENT, { detail: record }));
}

export function onOpenRecord(listener: (record: OpenRecord) => void): () => void {
  const handler = (event: Event) => listener((event as CustomEvent<OpenRecord>).detail);
  window.addEventListener(EVENT, handler);
  return () => window.removeEventListener(EVENT, handler);
}
