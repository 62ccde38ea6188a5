/** Local files as byte sources, and the rules that keep manifest keys inside the chosen root folder. */
import { createReadStream } from 'node:fs'
import { open, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { S3InventoryError } from '../errors.js'
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

export function localSource(file: string, options: { counter?: ByteCounter } = {}): ByteSource {
  const ref: ObjectRef = { key: file }

  async function* stream(start: number, end: number | undefined, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (end !== undefined && end <= start) return
    const rs = createReadStream(file, { start, end: end === undefined ? undefined : end - 1, highWaterMark: READ_CHUNK, signal })
    try {
      for await (const chunk of rs as AsyncIterable<Buffer>) {
        if (options.counter) options.counter.bytes += chunk.length
        yield chunk
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason
      throw localError(err, file)
    } finally {
      rs.destroy()
    }
  }

  async function read(start: number, end: number | undefined): Promise<{ bytes: Uint8Array; size: number }> {
    let fh
    try {
      fh = await open(file, 'r')
      const size = (await fh.stat()).size
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
      await fh?.close()
    }
  }
  const slice = async (start: number, end: number): Promise<Uint8Array> => (end <= start ? new Uint8Array(0) : (await read(start, end)).bytes)

  return {
    ref,
    stream,
    slice,
    tail: (n) => read(n, undefined),
  }
}

/**
 * Rejects keys that could point outside the root: absolute paths and `..` segments, checked on the
 * key text before any path is resolved.
 */
function assertSafeKey(key: string, where: ObjectRef): void {
  const segments = key.split(/[\\/]/)
  if (key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z]:/.test(key) || segments.includes('..') || key.includes('\0')) {
    throw new S3InventoryError('PATH_ESCAPE', 'data file key would leave the local root folder', {
      bucket: where.bucket,
      key: where.key,
      expected: 'a relative key without ".." segments',
      actual: key,
    })
  }
}

/** Resolves `key` under `root`; a symlink anywhere on the way that leads outside `root` is PATH_ESCAPE. */
export async function resolveUnderRoot(root: string, key: string, manifest: ObjectRef): Promise<string> {
  assertSafeKey(key, manifest)
  const joined = path.join(root, key)
  let real: string
  let realRoot: string
  try {
    realRoot = await realpath(root)
    real = await realpath(joined)
  } catch (err) {
    throw localError(err, joined)
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new S3InventoryError('PATH_ESCAPE', 'data file is a symlink that leads outside the local root folder', {
      key: joined,
      expected: `a file under ${realRoot}`,
      actual: real,
    })
  }
  return joined
}

/**
 * The folder that plays the destination bucket's root for a local manifest: the nearest folder,
 * starting at the manifest's own and walking up, under which `probeKey` exists (a synced bucket);
 * else the manifest's folder (data files copied beside it).
 */
export async function findLocalRoot(manifestPath: string, probeKey: string | undefined): Promise<string> {
  const start = path.dirname(path.resolve(manifestPath))
  if (probeKey === undefined) return start
  // Checked before probing, so a hostile key never makes us stat outside any candidate root.
  assertSafeKey(probeKey, { key: manifestPath })
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, probeKey))) return dir
    if (path.dirname(dir) === dir) return start
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}
