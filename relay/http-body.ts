/** Small HTTP helpers shared by the relay's JSON/binary endpoints (pairing, change feed). */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function reply(res: ServerResponse, status: number, body?: Buffer | string): void {
  res.statusCode = status;
  res.setHeader('Cache-Control', 'no-store');
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader(
    'Content-Type',
    typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream',
  );
  res.end(body);
}

/** Reads a request body up to `max` bytes; null when it is larger. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
