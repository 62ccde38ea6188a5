/** Local files as byte sources, and the rules that keep manifest keys inside the chosen root folder. */
import { createReadStream } from 'node:fs'
import { open, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { S3InventoryError } from '../errors.js'
import type { ByteCounter, ByteSource, ObjectRef } from './source.js'

/** Read size for sequential local reads. Large enough that per-chunk overhead vanishes. */
const READ_CHUNK = 256 * 1024

export function localError(err: unknown, file: string): unknown {
  const code = (err as { code?: string } | null)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') return new S3InventoryError('NOT_FOUND', 'file not found', { key: file, cause: err })
  if (code === 'EACCES' || code === 'EPERM') return new S3InventoryError('ACCESS_DENIED', 'permission denied', { key: file, cause: err })
  if (code === 'EISDIR') return new S3InventoryError('NOT_FOUND', 'is a directory, not a file', { key: file, cause: err })
  return err
}

export function localSource(file: string, options: { counter?: ByteCounter; size?: number } = {}): ByteSource {
  const ref: ObjectRef = { key: file }
  let knownSize = options.size

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

  async function slice(start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0)
    let fh
    try {
      fh = await open(file, 'r')
      const buf = Buffer.allocUnsafe(end - start)
      let got = 0
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      if (options.counter) options.counter.bytes += got
      return got === buf.length ? buf : buf.subarray(0, got)
    } catch (err) {
      throw localError(err, file)
    } finally {
      await fh?.close()
    }
  }

  return {
    ref,
    async size() {
      if (knownSize === undefined) {
        try {
          knownSize = (await stat(file)).size
        } catch (err) {
          throw localError(err, file)
        }
      }
      return knownSize
    },
    stream,
    slice,
  }
}

/**
 * Rejects keys that could point outside the root: absolute paths and `..` segments, checked on the
 * key text before any path is resolved.
 */
export function assertSafeKey(key: string, where: ObjectRef): void {
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
