/**
 * The shipped terminology file (static/terminology/<system>.pack.gz, gzip of this format), written
 * by scripts/build-terminology.ts and read by the terminology worker:
 *
 *   "FOLIOTRM" · u32 LE header length · header (JSON, UTF-8) ·
 *   rows (UTF-8, one TSV line per document, sorted by code key, '\n'-separated) ·
 *   vocabulary (UTF-8, sorted words, '\n'-separated) · postings (text-index.ts encodePostings) ·
 *   rank order (varints: the document ids, best first)
 *
 * Rows are kept in code order, not rank order: neighbouring codes share most of their words, so the
 * rows and the postings' gaps compress to about half (ICD-10-CM: 1.0 MB gzip instead of 1.9 MB).
 * The header names the system, its edition, the row columns and every section's byte length.
 */
import { codeKeyIn, type PickerSystem } from './codes';
import {
  buildIndex,
  ByteReader,
  ByteWriter,
  decodePostings,
  encodePostings,
  type TermIndex,
} from './text-index';

const MAGIC = 'FOLIOTRM';
export const PACK_FORMAT = 'folio-terminology/1';

export interface PackInfo {
  system: PickerSystem;
  /** What the user is told the codes come from, e.g. "ICD-10-CM FY2026". */
  edition: string;
  /** The TSV columns of a row; the first is the code. */
  columns: string[];
}

interface PackHeader extends PackInfo {
  format: typeof PACK_FORMAT;
  count: number;
  lengths: { rows: number; vocab: number; postings: number; byRank: number };
}

export interface Pack {
  info: PackInfo;
  /** TSV rows sorted by code key (codeKeyIn of the first column). */
  rows: string[];
  index: TermIndex;
  /** Document ids, best first. */
  byRank: Uint32Array;
}

/** The code key of a row (its first column). */
export const rowKey = (system: PickerSystem, row: string): string =>
  codeKeyIn(system, row.slice(0, row.indexOf('\t')));

/**
 * A pack of documents given best first: each a TSV row (first column its code) and the text it
 * is found by. @throws RangeError on a malformed row or a repeated code
 */
export function buildPack(info: PackInfo, docs: readonly { row: string; text: string }[]): Pack {
  for (const { row } of docs) {
    if (row.includes('\n') || row.split('\t').length !== info.columns.length)
      throw new RangeError(`bad row: ${row}`);
  }
  const keys = docs.map((d) => rowKey(info.system, d.row));
  const order = [...docs.keys()].sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  for (let i = 1; i < order.length; i++) {
    if (keys[order[i - 1]!] === keys[order[i]!])
      throw new RangeError(`repeated code ${keys[order[i]!]}`);
  }
  const docOf = new Uint32Array(docs.length);
  order.forEach((input, doc) => (docOf[input] = doc));
  return {
    info,
    rows: order.map((i) => docs[i]!.row),
    index: buildIndex(order.map((i) => docs[i]!.text)),
    byRank: docOf,
  };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodePack(pack: Pack): Uint8Array {
  const rank = new ByteWriter();
  for (const doc of pack.byRank) rank.varint(doc);
  const sections = {
    rows: utf8.encode(pack.rows.join('\n')),
    vocab: utf8.encode(pack.index.vocab.join('\n')),
    postings: encodePostings(pack.index.postings),
    byRank: rank.done(),
  };
  const header: PackHeader = {
    format: PACK_FORMAT,
    ...pack.info,
    count: pack.rows.length,
    lengths: {
      rows: sections.rows.length,
      vocab: sections.vocab.length,
      postings: sections.postings.length,
      byRank: sections.byRank.length,
    },
  };
  const head = utf8.encode(JSON.stringify(header));
  const w = new ByteWriter();
  w.bytes(utf8.encode(MAGIC));
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, head.length, true);
  w.bytes(len);
  w.bytes(head);
  for (const s of Object.values(sections)) w.bytes(s);
  return w.done();
}

/** Reads a pack. @throws RangeError when the bytes are not a whole, well-formed pack */
export function decodePack(bytes: Uint8Array): Pack {
  if (bytes.length < 12 || fromUtf8.decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new RangeError('not a Folio terminology pack');
  const headLen = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  let pos = 12;
  const take = (n: number) => {
    if (pos + n > bytes.length) throw new RangeError('truncated pack');
    const part = bytes.subarray(pos, pos + n);
    pos += n;
    return part;
  };
  const header = JSON.parse(fromUtf8.decode(take(headLen))) as PackHeader;
  if (header.format !== PACK_FORMAT) throw new RangeError(`unknown pack format ${header.format}`);
  const { lengths, count } = header;
  const rowsText = fromUtf8.decode(take(lengths.rows));
  const rows = count === 0 ? [] : rowsText.split('\n');
  const vocabText = fromUtf8.decode(take(lengths.vocab));
  const vocab = vocabText === '' ? [] : vocabText.split('\n');
  const postings = decodePostings(take(lengths.postings), vocab.length, count);
  const r = new ByteReader(take(lengths.byRank));
  const byRank = new Uint32Array(count);
  for (let i = 0; i < count; i++) byRank[i] = r.varint();
  if (pos !== bytes.length || r.pos !== r.buf.length || rows.length !== count)
    throw new RangeError('pack sections do not add up');
  return {
    info: { system: header.system, edition: header.edition, columns: header.columns },
    rows,
    index: { vocab, postings },
    byRank,
  };
}
