import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { done, refuse, type Step } from '../refusal.js';

const gunzipAsync = promisify(gunzip);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body as text: gzip decoded when `Content-Encoding: gzip` says so, never past
 * `maxDecompressedBytes` (zlib stops there, so a gzip bomb costs that much memory at most, then 413).
 */
export async function decodeBody(raw: Buffer, contentEncoding: string | undefined, maxDecompressedBytes: number): Promise<Step<string>> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  let bytes = raw;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = await gunzipAsync(raw, { maxOutputLength: maxDecompressedBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        return refuse(
          413,
          'decompressed_too_large',
          `gzip body decodes to more than ${maxDecompressedBytes} bytes (GATEWAY_MAX_DECOMPRESSED_BYTES)`,
        );
      }
      return refuse(400, 'bad_gzip', `body is not valid gzip: ${(error as Error).message}`);
    }
  } else if (encoding !== 'identity' && encoding !== '') {
    return refuse(415, 'unsupported_encoding', `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send gzip or no encoding`);
  }
  try {
    return done(utf8.decode(bytes));
  } catch {
    return refuse(400, 'not_utf8', 'body is not valid UTF-8');
  }
}
