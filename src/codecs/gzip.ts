/** gzip → bytes, as a stream with bounded buffers (zlib inflates on libuv's thread pool). */
import { Readable, pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { S3InventoryError } from '../errors.js'
import type { ObjectRef } from '../sources/source.js'

/**
 * Output chunk size. Node's 16 KiB default doubles gunzip's cost; 1 MiB is fastest for gunzip alone,
 * but 64 KiB was fastest when a parser runs in the same process (more overlap between the zlib
 * thread and the parser). Measured here, see docs/performance.md.
 */
const GUNZIP_CHUNK = 64 * 1024

/**
 * gzip bytes → the decompressed bytes; several members in a row are one stream (multi-member
 * files). Bytes after a member that are not another gzip member are GZIP_CORRUPT: zlib would stop
 * there quietly, and the file would look complete with half its rows.
 */
export async function* gunzip(input: AsyncIterable<Uint8Array>, ref: ObjectRef, chunkSize = GUNZIP_CHUNK): AsyncGenerator<Buffer> {
  const z = createGunzip({ chunkSize })
  let fed = 0
  const counted = (async function* () {
    for await (const c of input) {
      fed += c.length
      yield c
    }
  })()
  const src = Readable.from(counted, { objectMode: false, highWaterMark: 1 })
  // pipeline destroys both sides on error or early return, which closes the network read.
  pipeline(src, z, () => {})
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) yield chunk
    if (z.bytesWritten < fed) {
      throw new S3InventoryError('GZIP_CORRUPT', 'the data after a gzip member is not another gzip member (a damaged multi-member file)', {
        bucket: ref.bucket,
        key: ref.key,
        offset: z.bytesWritten,
        expected: 'another gzip member (1f 8b) or the end of the file',
        actual: `${fed - z.bytesWritten} more bytes`,
      })
    }
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'Z_NEED_DICT' || code === 'Z_STREAM_ERROR') {
      const truncated = code === 'Z_BUF_ERROR'
      throw new S3InventoryError('GZIP_CORRUPT', truncated ? 'gzip data ends early (truncated file)' : 'invalid gzip data', {
        bucket: ref.bucket,
        key: ref.key,
        offset: z.bytesWritten,
        expected: truncated ? 'a complete gzip stream' : 'gzip data',
        // zlib's words for what it found ("incorrect header check").
        actual: truncated ? undefined : (err as Error).message,
        cause: err,
      })
    }
    throw err
  } finally {
    z.destroy()
    src.destroy()
  }
}
