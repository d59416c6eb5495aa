/**
 * A minimal PDF 1.4 writer for letters (ADR 0013): text only, in the standard Type 1 fonts
 * Helvetica and Helvetica-Bold with WinAnsiEncoding (no font is embedded; every PDF reader has
 * them), US Letter pages, word wrapping by the fonts' AFM widths, as many pages as the text needs
 * with "Page i of n" at the foot of each.
 *
 * Invariants (tests/unit/chart/letters/pdf.spec.ts checks each, with a fast-check property):
 * - the file is 7-bit ASCII after its binary-marker comment: every string byte outside
 *   0x20-0x7E is written as an octal escape, and `\`, `(` and `)` are escaped (ISO 32000-1
 *   §7.3.4.2), so byte offsets are character offsets;
 * - every xref entry is exactly 20 bytes and holds the byte offset of its `n 0 obj` (§7.5.4);
 *   `startxref` holds the offset of `xref`; each stream's /Length is its byte count;
 * - a character WinAnsi cannot encode is written as `?` and listed in `replaced` (never dropped
 *   silently); control characters other than line breaks are written as `?` too;
 * - no laid-out line is wider than the text area by the fonts' widths (a word longer than a line
 *   is broken between characters).
 */

/** A paragraph of the document. */
export interface PdfBlock {
  text: string;
  /** Font size in points (default 10.5). */
  size?: number;
  bold?: boolean;
  align?: 'left' | 'center';
  /** Extra space above, in points (default 0). */
  spaceBefore?: number;
  /** Left indent in points (default 0). */
  indent?: number;
}

export interface PdfDocument {
  /** The document title (PDF Info /Title, in UTF-16). */
  title: string;
  blocks: readonly PdfBlock[];
  /** When it was made (ISO 8601); written as the Info /CreationDate. */
  createdAt: string;
  /** Printed at the foot of every page, left (e.g. the patient's name and date of birth). */
  footer?: string;
}

export interface WrittenPdf {
  bytes: Uint8Array<ArrayBuffer>;
  pages: number;
  /** Characters that WinAnsi cannot encode and were written as '?', each once, in order seen. */
  replaced: string[];
}

/** US Letter, in points. */
export const PAGE = { width: 612, height: 792, margin: 54 } as const;
const TEXT_WIDTH = PAGE.width - 2 * PAGE.margin;
const FOOTER_SIZE = 8;

// Helvetica and Helvetica-Bold advance widths (Adobe AFM, 1/1000 em) for 0x20-0x7E.
// prettier-ignore
const REGULAR_ASCII = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
// prettier-ignore
const BOLD_ASCII = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
  611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/** Windows-1252 bytes 0x80-0x9F that are not the Latin-1 code points. */
// prettier-ignore
const CP1252: Record<string, number> = {
  '€': 0x80, '‚': 0x82, ƒ: 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, ˆ: 0x88,
  '‰': 0x89, Š: 0x8a, '‹': 0x8b, Œ: 0x8c, Ž: 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93,
  '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, š: 0x9a, '›': 0x9b,
  œ: 0x9c, ž: 0x9e, Ÿ: 0x9f,
};
/** Widths of the bytes above 0x7E that differ from the fallback (both fonts, near enough). */
// prettier-ignore
const WIDE: Record<number, number> = {
  0x80: 556, 0x85: 1000, 0x89: 1000, 0x8c: 1000, 0x91: 222, 0x92: 222, 0x93: 333, 0x94: 333,
  0x95: 350, 0x96: 556, 0x97: 1000, 0x99: 1000, 0x9c: 944, 0xa9: 737, 0xae: 737, 0xb7: 278,
  0xbc: 834, 0xbd: 834, 0xbe: 834, 0xc6: 1000, 0xe6: 889, 0xd7: 584, 0xf7: 584,
};

/** One character as a WinAnsi byte, or null when WinAnsi has no such character. */
function winAnsiByte(ch: string): number | null {
  const c = ch.codePointAt(0)!;
  if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff)) return c;
  return CP1252[ch] ?? null;
}

/**
 * Text as WinAnsi bytes (one char per byte, 0x00-0xFF) with what could not be encoded. Tabs
 * become spaces; other control characters and anything outside WinAnsi become '?'.
 */
export function toWinAnsi(text: string): { text: string; replaced: string[] } {
  let out = '';
  const replaced: string[] = [];
  for (const ch of text) {
    if (ch === '\t') {
      out += ' ';
      continue;
    }
    const b = winAnsiByte(ch);
    if (b === null) {
      out += '?';
      if (!replaced.includes(ch)) replaced.push(ch);
    } else out += String.fromCharCode(b);
  }
  return { text: out, replaced };
}

/** Width in points of WinAnsi text (as returned by toWinAnsi). */
export function textWidth(encoded: string, size: number, bold = false): number {
  const table = bold ? BOLD_ASCII : REGULAR_ASCII;
  let units = 0;
  for (let i = 0; i < encoded.length; i++) {
    const b = encoded.charCodeAt(i);
    if (b >= 0x20 && b <= 0x7e) units += table[b - 0x20]!;
    else if (WIDE[b] !== undefined) units += WIDE[b]!;
    // Latin-1 capitals are at most as wide as 'W'-less ASCII capitals; the rest as a digit.
    else units += b >= 0xc0 && b <= 0xde ? 778 : bold ? 611 : 556;
  }
  return (units * size) / 1000;
}

/** Wraps one paragraph (no line breaks inside) to `width` points. */
export function wrapLine(encoded: string, size: number, bold: boolean, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  const fits = (s: string) => textWidth(s, size, bold) <= width;
  for (const word of encoded.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    // A word wider than the line is broken between characters.
    let rest = word;
    while (!fits(rest)) {
      let n = 1;
      while (n < rest.length && fits(rest.slice(0, n + 1))) n++;
      lines.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    line = rest;
  }
  lines.push(line);
  return lines;
}

/** A PDF literal string of WinAnsi bytes: `\ ( )` escaped, bytes outside 0x20-0x7E in octal. */
export function pdfString(encoded: string): string {
  let out = '(';
  for (let i = 0; i < encoded.length; i++) {
    const b = encoded.charCodeAt(i);
    const ch = encoded[i];
    if (ch === '\\' || ch === '(' || ch === ')') out += `\\${ch}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out})`;
}

/** A text string for the Info dictionary: UTF-16BE with a byte-order mark, in hex. */
function utf16Hex(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0');
  return `<${hex.toUpperCase()}>`;
}

/** D:YYYYMMDDHHmmSSZ from an ISO 8601 date-time (or date). */
function pdfDate(iso: string): string {
  const digits = iso
    .replace(/[^0-9]/g, '')
    .slice(0, 14)
    .padEnd(14, '0');
  return `D:${digits}Z`;
}

interface PlacedLine {
  text: string;
  x: number;
  y: number;
  size: number;
  bold: boolean;
}

/** Lays the blocks out on pages (pure; no PDF syntax). */
function layout(blocks: readonly PdfBlock[]): { pages: PlacedLine[][]; replaced: string[] } {
  const pages: PlacedLine[][] = [[]];
  const replaced: string[] = [];
  const top = PAGE.height - PAGE.margin;
  // Leave room for the footer.
  const bottom = PAGE.margin + FOOTER_SIZE * 2.5;
  let y = top;
  for (const block of blocks) {
    const size = block.size ?? 10.5;
    const bold = block.bold ?? false;
    const leading = size * 1.3;
    const indent = Math.min(block.indent ?? 0, TEXT_WIDTH / 2);
    const width = TEXT_WIDTH - indent;
    const encoded = toWinAnsi(block.text);
    for (const ch of encoded.replaced) if (!replaced.includes(ch)) replaced.push(ch);
    if (y !== top) y -= block.spaceBefore ?? 0;
    const lines = encoded.text.split(/\r\n|\r|\n/).flatMap((p) => wrapLine(p, size, bold, width));
    for (const line of lines) {
      if (y - size < bottom) {
        pages.push([]);
        y = top;
      }
      y -= size;
      const x =
        block.align === 'center'
          ? PAGE.margin + (TEXT_WIDTH - textWidth(line, size, bold)) / 2
          : PAGE.margin + indent;
      pages[pages.length - 1]!.push({ text: line, x, y, size, bold });
      y -= leading - size;
    }
  }
  return { pages, replaced };
}

const num = (n: number) => (Math.round(n * 100) / 100).toString();

function contentStream(lines: readonly PlacedLine[], pageNumber: string, footer: string): string {
  const ops: string[] = [];
  for (const l of lines)
    ops.push(
      `BT /${l.bold ? 'F2' : 'F1'} ${num(l.size)} Tf 1 0 0 1 ${num(l.x)} ${num(l.y)} Tm ${pdfString(l.text)} Tj ET`,
    );
  const numberWidth = textWidth(pageNumber, FOOTER_SIZE);
  const fx = PAGE.width - PAGE.margin - numberWidth;
  if (footer) {
    // Cut to the room left of the page number (never over it).
    const room = TEXT_WIDTH - numberWidth - 12;
    let left = footer;
    while (left && textWidth(left, FOOTER_SIZE) > room) left = left.slice(0, -1);
    if (left !== footer) left = `${left.slice(0, -3)}...`;
    ops.push(
      `BT /F1 ${FOOTER_SIZE} Tf 1 0 0 1 ${PAGE.margin} ${PAGE.margin} Tm ${pdfString(left)} Tj ET`,
    );
  }
  ops.push(
    `BT /F1 ${FOOTER_SIZE} Tf 1 0 0 1 ${num(fx)} ${PAGE.margin} Tm ${pdfString(pageNumber)} Tj ET`,
  );
  return ops.join('\n');
}

/**
 * Writes a PDF 1.4 file of the document's text.
 * @returns the bytes, the page count and the characters written as '?'
 */
export function writePdf(doc: PdfDocument): WrittenPdf {
  const { pages, replaced } = layout(doc.blocks);
  const footer = toWinAnsi(doc.footer ?? '');
  for (const ch of footer.replaced) if (!replaced.includes(ch)) replaced.push(ch);
  // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then page + content.
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 6 + 2 * i);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] =
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>';
  objects[5] = `<< /Title ${utf16Hex(doc.title)} /Producer (Folio) /CreationDate (${pdfDate(doc.createdAt)}) >>`;
  pages.forEach((lines, i) => {
    const pageId = pageIds[i]!;
    const stream = contentStream(lines, `Page ${i + 1} of ${pages.length}`, footer.text);
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] ` +
      `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });
  // The header's second line marks the file as binary (four bytes above 0x7F).
  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = out.length;
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++)
    out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const bytes = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) bytes[i] = out.charCodeAt(i);
  return { bytes, pages: pages.length, replaced };
}
