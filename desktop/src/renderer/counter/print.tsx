/**
 * Printing a ticket or a Z report: the document is rendered into its own element outside the
 * app, and the print stylesheet (styles.css, `@media print`) shows only that element, on a
 * receipt-wide page (80 mm, or 58 mm by a named @page: the CSP allows no inline styles). In a
 * browser this is the browser's print (and its "Save as PDF"); in Electron window.print()
 * goes to the system's printers the same way.
 */
import type { ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { api } from '../api/index.js';

export type PaperWidth = 58 | 80;
const PAPER_KEY = 'mostrador.receiptWidth';

export function paperWidth(): PaperWidth {
  return globalThis.localStorage?.getItem(PAPER_KEY) === '58' ? 58 : 80;
}

export function setPaperWidth(width: PaperWidth): void {
  globalThis.localStorage?.setItem(PAPER_KEY, String(width));
}

let root: Root | null = null;

/** Puts a document in the print area (sized for the receipt) and returns the element; it stays until the next one. */
export function preparePrint(document_: ReactNode): HTMLElement {
  let area = document.getElementById('print-area');
  if (!area) {
    area = document.createElement('div');
    area.id = 'print-area';
    document.body.appendChild(area);
    root = createRoot(area);
  }
  const width = paperWidth();
  area.className = `receipt receipt-${width}`;
  flushSync(() => root?.render(document_));
  return area;
}

const PRINTER_KEY = 'mostrador.printer';

/** This machine's printing: a named printer (Electron; empty: the default) and whether to skip the dialog. */
export function printerSettings(): { silent: boolean; deviceName: string } {
  const stored = globalThis.localStorage?.getItem(PRINTER_KEY);
  try {
    const parsed = stored ? (JSON.parse(stored) as { silent?: unknown; deviceName?: unknown }) : {};
    return {
      silent: parsed.silent === true,
      deviceName: typeof parsed.deviceName === 'string' ? parsed.deviceName : '',
    };
  } catch {
    return { silent: false, deviceName: '' };
  }
}

export function setPrinterSettings(settings: { silent: boolean; deviceName: string }): void {
  globalThis.localStorage?.setItem(PRINTER_KEY, JSON.stringify(settings));
}

/**
 * Render and print: Electron prints the window itself (to the chosen printer, silently when
 * set); in a browser the station answers that it did not, and the browser's dialog opens.
 */
export function printDocument(document_: ReactNode): void {
  preparePrint(document_);
  const { silent, deviceName } = printerSettings();
  void api
    .invoke('print:receipt', { silent, ...(deviceName ? { deviceName } : {}) })
    .then(({ printed }) => {
      if (!printed && !window.mostrador) window.print();
    })
    .catch(() => window.print());
}
