import fc from 'fast-check';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import {
  PAGE,
  pdfString,
  textWidth,
  toWinAnsi,
  wrapLine,
  writePdf,
  type PdfBlock,
} from '../../../../src/lib/chart/letters/pdf.ts';

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const AT = '2026-12-02T18:30:00.000Z';

/**
 * Checks the file's structure by hand (pdf.js repairs broken files silently, so it cannot):
 * header, every xref entry 20 bytes pointing at its `n 0 obj`, startxref at `xref`, each
 * stream's /Length, trailer /Size and /Root. Answers the problems found ([] when sound).
 */
function structuralProblems(bytes: Uint8Array): string[] {
  const text = latin1(bytes);
  const problems: string[] = [];
  if (!text.startsWith('%PDF-1.4\n')) problems.push('header');
  if (!text.endsWith('%%EOF\n')) problems.push('eof');
  const start = /startxref\n(\d+)\n%%EOF\n$/.exec(text);
  if (!start) return [...problems, 'no startxref'];
  const xrefAt = Number(start[1]);
  if (text.slice(xrefAt, xrefAt + 5) !== 'xref\n') return [...problems, 'startxref offset'];
  const head = /^xref\n0 (\d+)\n/.exec(text.slice(xrefAt));
  if (!head) return [...problems, 'xref header'];
  const count = Number(head[1]);
  const table = text.slice(xrefAt + head[0].length, xrefAt + head[0].length + 20 * count);
  for (let id = 0; id < count; id++) {
    const entry = table.slice(20 * id, 20 * id + 20);
    if (id === 0) {
      if (entry !== '0000000000 65535 f \n') problems.push('free entry');
      continue;
    }
    const m = /^(\d{10}) 00000 n \n$/.exec(entry);
    if (!m) {
      problems.push(`entry ${id} malformed`);
      continue;
    }
    const offset = Number(m[1]);
    if (!text.startsWith(`${id} 0 obj\n`, offset)) problems.push(`entry ${id} offset`);
  }
  const trailer = text.slice(xrefAt + head[0].length + 20 * count);
  if (!trailer.startsWith(`trailer\n<< /Size ${count} /Root 1 0 R`)) problems.push('trailer');
  for (const m of text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const body = m.index + m[0].length;
    if (text.slice(body + Number(m[1]), body + Number(m[1]) + 10) !== '\nendstream')
      problems.push('stream length');
  }
  // After the binary marker, the file is 7-bit ASCII.
  for (let i = 15; i < bytes.length; i++)
    if (bytes[i]! > 0x7e || (bytes[i]! < 0x20 && bytes[i] !== 0x0a)) {
      problems.push(`byte ${bytes[i]} at ${i}`);
      break;
    }
  return problems;
}

/** The text of every page (lines joined by spaces) as pdf.js reads it. */
async function pdfText(bytes: Uint8Array): Promise<string[]> {
  const doc = await getDocument({ data: bytes.slice(), useSystemFonts: false, verbosity: 0 })
    .promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(
      content.items
        .map((item) => ('str' in item ? item.str : ''))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  }
  await doc.destroy();
  return pages;
}

describe('WinAnsi text', () => {
  it('keeps Latin-1 and the Windows-1252 punctuation, replaces the rest with ? and reports it', () => {
    expect(toWinAnsi('Zoë – “café” · 5 µg')).toEqual({
      text: 'Zo\u00eb \u0096 \u0093caf\u00e9\u0094 \u00b7 5 \u00b5g',
      replaced: [],
    });
    expect(toWinAnsi('Иван ℞ Иван 😀\tx')).toEqual({
      text: '???? ? ???? ? x',
      replaced: ['И', 'в', 'а', 'н', '℞', '😀'],
    });
    expect(toWinAnsi('a\u0000b').replaced).toEqual(['\u0000']);
  });

  it('escapes ( ) \\ and writes bytes outside printable ASCII in octal', () => {
    expect(pdfString('a(b)c\\d')).toBe('(a\\(b\\)c\\\\d)');
    expect(pdfString('\u00e9\u0096')).toBe('(\\351\\226)');
  });

  it('measures with the Helvetica widths', () => {
    // 'Hello' in Helvetica: 722+556+222+222+556 = 2278 units.
    expect(textWidth('Hello', 10)).toBeCloseTo(22.78);
    expect(textWidth('Hello', 10, true)).toBeCloseTo((722 + 556 + 278 + 278 + 611) / 100);
  });

  it('wraps at word boundaries and breaks a word longer than a line', () => {
    expect(wrapLine('aaa bbb ccc', 10, false, textWidth('aaa bbb', 10))).toEqual([
      'aaa bbb',
      'ccc',
    ]);
    const long = 'W'.repeat(50);
    const lines = wrapLine(long, 10, false, textWidth('WWWWWWWWWW', 10));
    expect(lines).toEqual(['W'.repeat(10), ...Array(4).fill('W'.repeat(10))]);
  });
});

describe('writePdf', () => {
  it('writes a structurally sound file whose text reads back, with escapes and Latin-1', async () => {
    const blocks: PdfBlock[] = [
      { text: 'Zebrafinch Clinic', size: 16, bold: true, align: 'center' },
      { text: 'Reason (urgent): back\\slash and café – ok', spaceBefore: 6 },
    ];
    const { bytes, pages, replaced } = writePdf({ title: 'Référral', blocks, createdAt: AT });
    expect(structuralProblems(bytes)).toEqual([]);
    expect(pages).toBe(1);
    expect(replaced).toEqual([]);
    expect(latin1(bytes)).toContain('(Reason \\(urgent\\): back\\\\slash and caf\\351 \\226 ok)');
    expect(latin1(bytes)).toContain('/CreationDate (D:20261202183000Z)');
    const [text] = await pdfText(bytes);
    expect(text).toContain('Zebrafinch Clinic');
    expect(text).toContain('Reason (urgent): back\\slash and café – ok');
    expect(text).toContain('Page 1 of 1');
  });

  it('flows long text onto further pages, each numbered', async () => {
    const blocks = Array.from({ length: 120 }, (_, i) => ({ text: `Line number ${i + 1}` }));
    const { bytes, pages } = writePdf({ title: 'Long', blocks, createdAt: AT });
    expect(pages).toBeGreaterThan(1);
    expect(structuralProblems(bytes)).toEqual([]);
    const text = await pdfText(bytes);
    expect(text).toHaveLength(pages);
    expect(text[0]).toContain('Line number 1 ');
    expect(text[pages - 1]).toContain('Line number 120');
    expect(text[pages - 1]).toContain(`Page ${pages} of ${pages}`);
    // Every line is on a page once, in order.
    const all = text.join(' ');
    let at = -1;
    for (let i = 1; i <= 120; i++) {
      const next = all.indexOf(`Line number ${i} `, at + 1);
      expect(next, `line ${i}`).toBeGreaterThan(at);
      at = next;
    }
  });

  it('puts the footer on every page, cut short before the page number when too long', async () => {
    const blocks = Array.from({ length: 80 }, (_, i) => ({ text: `Line ${i + 1}` }));
    const footer = 'Ilsabet Quorrendale, date of birth 1958-03-02';
    const { bytes, pages } = writePdf({ title: 'Long', blocks, createdAt: AT, footer });
    expect(pages).toBe(2);
    for (const page of await pdfText(bytes)) expect(page).toContain(footer);
    const long = writePdf({ title: 't', blocks: [], createdAt: AT, footer: 'W'.repeat(300) });
    const [text] = await pdfText(long.bytes);
    expect(text).toMatch(/^W+\.\.\. Page 1 of 1$/);
    expect(structuralProblems(long.bytes)).toEqual([]);
  });

  it('writes what it cannot encode as ? and reports it', async () => {
    const { bytes, replaced } = writePdf({
      title: 'Пациент',
      blocks: [{ text: 'Patient: Иван Petrov' }],
      createdAt: AT,
    });
    expect(replaced).toEqual(['И', 'в', 'а', 'н']);
    expect(structuralProblems(bytes)).toEqual([]);
    expect((await pdfText(bytes))[0]).toContain('Patient: ???? Petrov');
  });

  it('detects a broken offset (the checker is not vacuous)', () => {
    const { bytes } = writePdf({ title: 't', blocks: [{ text: 'x' }], createdAt: AT });
    const text = latin1(bytes);
    const entry4 = text.indexOf('xref\n') + 'xref\n0 8\n'.length + 4 * 20;
    const offset = Number(text.slice(entry4, entry4 + 10));
    const moved =
      text.slice(0, entry4) + String(offset + 1).padStart(10, '0') + text.slice(entry4 + 10);
    const broken = Uint8Array.from(moved, (c) => c.charCodeAt(0));
    expect(structuralProblems(bytes)).toEqual([]);
    expect(structuralProblems(broken)).toEqual(['entry 4 offset']);
  });

  it('any text makes a structurally sound PDF in which no line is wider than the page', () => {
    const block = fc.record({
      text: fc.string({ unit: 'binary', maxLength: 400 }),
      size: fc.option(fc.integer({ min: 6, max: 24 }), { nil: undefined }),
      bold: fc.boolean(),
      align: fc.constantFrom('left' as const, 'center' as const),
      indent: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 20 }),
        fc.string(),
        fc.string({ unit: 'binary' }),
        (blocks, title, footer) => {
          const { bytes, replaced } = writePdf({ title, blocks, createdAt: AT, footer });
          expect(structuralProblems(bytes)).toEqual([]);
          // Everything not encodable is reported.
          for (const b of [...blocks, { text: footer }])
            for (const ch of b.text)
              if (
                ch !== '\t' &&
                ch !== '\n' &&
                ch !== '\r' &&
                toWinAnsi(ch).text === '?' &&
                ch !== '?'
              )
                expect(replaced).toContain(ch);
          // Lines stay inside the margins.
          const text = latin1(bytes);
          for (const m of text.matchAll(
            /\/(F[12]) ([\d.]+) Tf 1 0 0 1 ([\d.]+) [\d.-]+ Tm \((.*)\) Tj ET/g,
          )) {
            const shown = m[4]!
              .replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
              .replace(/\\([\\()])/g, '$1');
            const right = Number(m[3]) + textWidth(shown, Number(m[2]), m[1] === 'F2');
            expect(right).toBeLessThanOrEqual(PAGE.width - PAGE.margin + 0.01);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('round-trips random printable text through pdf.js', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...'abcXYZ019 ()\\éü–“”.,;:'.split('')), {
          minLength: 1,
          maxLength: 300,
        }),
        async (chars) => {
          const text = chars.join('').replace(/\s+/g, ' ').trim() || 'x';
          const { bytes } = writePdf({ title: 't', blocks: [{ text }], createdAt: AT });
          const read = (await pdfText(bytes)).join(' ');
          // Wrapping turns some spaces into line breaks, which read back as spaces.
          expect(read.replace(/ /g, '')).toContain(text.replace(/ /g, ''));
        },
      ),
      { numRuns: 40 },
    );
  });
});
