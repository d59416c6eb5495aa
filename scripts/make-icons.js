// Draws Folio's app icons (a white open folio on the brand blue) as PNG with no dependencies.
// Run once: `node scripts/make-icons.js`; the PNGs are committed under static/icons/.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BLUE = [0x1f, 0x4e, 0x79];
const WHITE = [0xff, 0xff, 0xff];

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** @param {number} size @param {number} safe fraction of the canvas the glyph may use */
function icon(size, safe) {
  const rows = [];
  const inset = (size * (1 - safe)) / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const u = (x - inset) / (size - 2 * inset);
      const v = (y - inset) / (size - 2 * inset);
      // Two pages of an open book with a gutter, and a cross on the right page.
      const inBook = v > 0.2 && v < 0.8 && u > 0.12 && u < 0.88 && Math.abs(u - 0.5) > 0.025;
      const cross =
        (Math.abs(u - 0.69) < 0.035 && v > 0.36 && v < 0.64) ||
        (Math.abs(v - 0.5) < 0.035 && u > 0.55 && u < 0.83);
      const px = inBook && !cross ? WHITE : BLUE;
      row[1 + x * 3] = px[0];
      row[2 + x * 3] = px[1];
      row[3 + x * 3] = px[2];
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

writeFileSync('static/icons/icon-192.png', icon(192, 1));
writeFileSync('static/icons/icon-512.png', icon(512, 1));
// Maskable icons keep their content inside the central 80% safe zone.
writeFileSync('static/icons/maskable-512.png', icon(512, 0.8));
