/** Local files as byte sources: regular files only, opened without blocking, sizes checked before reading. */
import { constants, createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { S3InventoryError } from '../errors.js'
import { md5OfFile, OFF_THREAD_BYTES } from './md5.js'
import type { ByteCounter, ByteSource, ObjectRef } from './source.js'

/** Read size for sequential local reads. Large enough that per-chunk overhead vanishes. */
const READ_CHUNK = 256 * 1024

export function localError(err: unknown, file: string): unknown {
  if (err instanceof S3InventoryError) return err
  const code = (err as { code?: string } | null)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') return new S3InventoryError('NOT_FOUND', 'file not found', { key: file, cause: err })
  if (code === 'EACCES' || code === 'EPERM') return new S3InventoryError('ACCESS_DENIED', 'permission denied', { key: file, cause: err })
  if (code === 'EISDIR') return new S3InventoryError('NOT_FOUND', 'is a directory, not a file', { key: file, cause: err })
  if (code === 'ABORT_ERR') return err
  return new S3InventoryError('IO_ERROR', `cannot read the file (${code ?? (err as Error)?.message ?? err})`, { key: file, cause: err })
}

export interface LocalSourceOptions {
  counter?: ByteCounter
  /** The size the file must have (the manifest's): checked with a stat before the first byte is read. */
  size?: number
}

/**
 * Opens `file` for reading without blocking (a FIFO would otherwise wait for a writer forever) and
 * refuses anything but a regular file: FIFOs, devices and sockets never end or are not data.
 */
export async function openRegular(file: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle | undefined
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
    const st = await fh.stat()
    if (!st.isFile()) {
      throw new S3InventoryError('IO_ERROR', st.isDirectory() ? 'is a directory, not a file' : 'is not a regular file (a FIFO, device or socket)', {
        key: file,
        expected: 'a regular file',
      })
    }
    return { fh, size: st.size }
  } catch (err) {
    await fh?.close().catch(() => {})
    throw localError(err, file)
  }
}

export function localSource(file: string, options: LocalSourceOptions = {}): ByteSource {
  const ref: ObjectRef = { key: file }
  const checkSize = (size: number) => {
    if (options.size !== undefined && size !== options.size) {
      throw new S3InventoryError('DATA_SIZE_MISMATCH', 'data file size differs from the manifest', { key: file, expected: `${options.size} bytes`, actual: `${size} bytes` })
    }
  }

  async function* stream(start: number, end: number | undefined, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (end !== undefined && end <= start) return
    const { fh, size } = await openRegular(file)
    let handed = false
    try {
      checkSize(size)
      const rs = createReadStream('', { fd: fh, start, end: end === undefined ? undefined : end - 1, highWaterMark: READ_CHUNK, signal, autoClose: true })
      handed = true
      try {
        for await (const chunk of rs as AsyncIterable<Buffer>) {
          if (options.counter) options.counter.bytes += chunk.length
          yield chunk
        }
      } finally {
        rs.destroy()
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason
      throw localError(err, file)
    } finally {
      if (!handed) await fh.close().catch(() => {})
    }
  }

  async function read(start: number, end: number | undefined): Promise<{ bytes: Uint8Array; size: number }> {
    const { fh, size } = await openRegular(file)
    try {
      checkSize(size)
      const from = end === undefined ? Math.max(0, size - start) : start
      const to = end === undefined ? size : end
      if (to > size) {
        throw new S3InventoryError('DATA_SIZE_MISMATCH', 'file is shorter than expected', { key: file, expected: `at least ${to} bytes`, actual: `${size} bytes` })
      }
      const buf = Buffer.allocUnsafe(Math.max(0, to - from))
      let got = 0
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      if (got !== buf.length) throw new S3InventoryError('DATA_SIZE_MISMATCH', 'file ended while reading', { key: file, offset: from + got, expected: `${to} bytes` })
      if (options.counter) options.counter.bytes += got
      return { bytes: buf, size }
    } catch (err) {
      throw localError(err, file)
    } finally {
      await fh.close().catch(() => {})
    }
  }
  const slice = async (start: number, end: number): Promise<Uint8Array> => (end <= start ? new Uint8Array(0) : (await read(start, end)).bytes)

  async function md5(signal?: AbortSignal): Promise<string> {
    const { fh, size } = await openRegular(file)
    try {
      checkSize(size)
      const r = await md5OfFile(fh.fd, size, file, signal)
      checkSize(r.size) // the file shrank while it was hashed
      // Progress counts these bytes as read, as it did when the reader hashed them itself.
      if (options.counter) options.counter.bytes += r.size
      return r.md5
    } finally {
      await fh.close().catch(() => {})
    }
  }

  return {
    ref,
    stream,
    slice,
    tail: (n) => read(n, undefined),
    // Only where the manifest's size says the file is large: small ones hash faster in-process.
    ...(options.size !== undefined && options.size >= OFF_THREAD_BYTES ? { md5 } : {}),
  }
}
