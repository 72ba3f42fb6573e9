/** Reading the PDFs the station prints (tickets, reports) as text, for the browser tests. */

/** The text of a PDF, page by page (pdf.js, as a reader would see it), and its first page's width. */
export async function pdfText(data: Uint8Array): Promise<{ text: string; widthMm: number }> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const [, , width = 0] = (await pdf.getPage(1)).view;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return { text: pages.join('\n').replace(/[ \t]+/g, ' '), widthMm: (width / 72) * 25.4 };
}
