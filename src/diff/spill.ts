/**
 * Partition files: records appended per partition in frames `u32 raw length · u32 compressed length ·
 * zlib` (deflate with an Adler-32 of the frame: a file damaged under us fails to inflate). Each frame
 * is compressed on its own, on libuv's pool while the rows go on being encoded, so no partition keeps
 * a zlib stream (P streams' state would outweigh small budgets). Each file is opened once, at its
 * first frame: creating files is what costs (1.8 ms each on this project's VM, against 0.09 ms per
 * write). Frames of different partitions are written concurrently, those of one partition in order.
 */
import { open, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { constants, deflate as zlibDeflate, inflate as zlibInflate } from 'node:zlib'
import { promisify } from 'node:util'
import { lanes, type Lanes } from '../concurrency.js'
import { S3InventoryError } from '../errors.js'
import { u32 } from './record-reader.js'

const deflate = promisify(zlibDeflate)
const inflate = promisify(zlibInflate)

/**
 * Fastest level, 4 KiB window, biggest hash table: 113–116 MB/s of CPU on partition blocks of the
 * bench data against 82 MB/s with zlib's defaults at level 1, for about the same ratio (0.65 against
 * 0.64): the records are mostly hashes, ETags and version ids, which no window finds repeats of.
 */
const DEFLATE = { level: constants.Z_BEST_SPEED, windowBits: 12, memLevel: 9 }

/** Frames compressed or being written at once, per writer: its lanes (zlib and the file system share libuv's 4 threads). */
const IN_FLIGHT = 4

export class SpillWriter {
  /** Records and raw bytes written per partition. */
  readonly records: Float64Array
  readonly bytes: Float64Array
  /** The largest frame written (raw bytes): what a reader accepts. */
  maxFrame = 0
  private readonly blocks: (Buffer | undefined)[]
  private readonly fill: Int32Array
  /** Per partition, its last frame's write: the next one waits for it (frames keep their order). */
  private readonly tails: (Promise<void> | undefined)[]
  /** Frames being compressed and written; a write failure is kept in `failure`, never fails the lanes. */
  private readonly lanes: Lanes = lanes(IN_FLIGHT)
  /** Frames waiting for a lane, in order (started by `ready` and `close`, which the caller awaits). */
  private readonly queued: { part: number; raw: Buffer }[] = []
  /** A drain is handing queued frames to the lanes (a frame added meanwhile queues behind them). */
  private draining = false
  private readonly handles: (FileHandle | undefined)[]
  private failure: unknown

  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly parts: number,
    private readonly blockSize: number,
  ) {
    this.records = new Float64Array(parts)
    this.bytes = new Float64Array(parts)
    this.blocks = new Array(parts)
    this.fill = new Int32Array(parts)
    this.tails = new Array(parts)
    this.handles = new Array(parts)
  }

  file(part: number): string {
    return path.join(this.dir, `${this.name}-${part}`)
  }

  /** Appends the record `src[start, end)` to partition `part`. */
  add(part: number, src: Buffer, start: number, end: number): void {
    const len = end - start
    this.records[part]++
    this.bytes[part] += len
    if (len > this.blockSize) {
      // A record bigger than a block (long strings) is a frame of its own.
      this.flush(part)
      this.enqueue(part, Buffer.from(src.subarray(start, end))) // a copy: src is reused
      return
    }
    let block = this.blocks[part]
    if (block && this.fill[part] + len > this.blockSize) {
      this.flush(part)
      block = undefined
    }
    block ??= this.blocks[part] = Buffer.allocUnsafe(this.blockSize)
    src.copy(block, this.fill[part], start, end)
    this.fill[part] += len
  }

  /** A promise to await before adding more when frames pile up (undefined: go on). Rejects with a write failure. */
  ready(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure)
    if (this.queued.length === 0) return undefined
    return this.drain().then(() => {
      if (this.failure) throw this.failure
    })
  }

  /** Writes what is buffered and waits for every frame to be on disk. */
  async close(): Promise<void> {
    for (let p = 0; p < this.parts; p++) {
      this.flush(p)
      const wait = this.ready()
      if (wait) await wait
    }
    await this.lanes.settle()
    await this.closeFiles()
    if (this.failure) throw this.failure
  }

  /** Stops writing (after an error or abort) once the writes under way are done; the caller removes the folder. */
  async destroy(): Promise<void> {
    this.failure ??= new Error('destroyed')
    this.queued.length = 0
    await this.lanes.settle()
    await this.closeFiles()
  }

  /** Starts the queued frames as lanes free up; resolves once the last has started. */
  private async drain(): Promise<void> {
    this.draining = true
    try {
      for (let f = this.queued.shift(); f; f = this.queued.shift()) {
        const { part, raw } = f
        await this.lanes.start(() => this.write(part, raw))
      }
    } finally {
      this.draining = false
    }
  }

  private async closeFiles(): Promise<void> {
    for (let p = 0; p < this.parts; p++) {
      const fh = this.handles[p]
      this.handles[p] = undefined
      if (fh) {
        try {
          await fh.close()
        } catch (err) {
          this.failure ??= tempFailure('cannot write a temporary partition file', this.file(p), err)
        }
      }
    }
  }

  private flush(part: number): void {
    const block = this.blocks[part]
    if (!block || this.fill[part] === 0) return
    this.enqueue(part, block.subarray(0, this.fill[part]))
    this.blocks[part] = undefined
    this.fill[part] = 0
  }

  private enqueue(part: number, raw: Buffer): void {
    if (raw.length > this.maxFrame) this.maxFrame = raw.length
    // A free lane starts the frame now (start() runs synchronously up to the task when a lane is free), so
    // compression overlaps the encoding of the next rows; otherwise, and behind queued frames (a
    // partition's frames keep their order), it waits for `ready()`.
    if (!this.draining && this.queued.length === 0 && this.lanes.active < IN_FLIGHT) void this.lanes.start(() => this.write(part, raw))
    else this.queued.push({ part, raw })
  }

  /** Compresses a frame and appends it to its partition's file after the partition's previous frame. */
  private write(part: number, raw: Buffer): Promise<void> {
    // One output chunk for the whole frame: zlib's stream machinery runs once per chunk, on the main thread.
    const compressed = deflate(raw, { ...DEFLATE, chunkSize: Math.max(16384, raw.length + (raw.length >>> 3) + 1024) })
    const after = this.tails[part]
    const write = (async () => {
      try {
        const body = await compressed
        if (after) await after
        if (this.failure) return
        const header = Buffer.allocUnsafe(8)
        header.writeUInt32LE(raw.length, 0)
        header.writeUInt32LE(body.length, 4)
        const fh = (this.handles[part] ??= await open(this.file(part), 'w'))
        await fh.writev([header, body])
      } catch (err) {
        this.failure ??= tempFailure('cannot write a temporary partition file', this.file(part), err)
      }
    })()
    this.tails[part] = write
    return write.then(() => {
      if (this.tails[part] === write) this.tails[part] = undefined
    })
  }
}

/** Bytes of a partition file read at once: several frames per read, few hand-offs to the thread pool. */
const READ_SIZE = 1 << 20
/** Frames being inflated (on the pool) ahead of the one the caller has. */
const INFLATE_AHEAD = 2

/**
 * The raw records of a partition file, frame by frame, in order: read a megabyte at a time, each
 * frame inflated on libuv's pool while the caller works on the one before. `maxFrame` bounds what a
 * frame may claim before anything is allocated for it; the file was written by this process, so a
 * frame that disagrees means the file changed under us.
 */
export async function* readFrames(file: string, maxFrame: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let fh
  try {
    fh = await open(file, 'r')
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return // no record went to this partition
    throw tempFailure('cannot read a temporary partition file', file, err)
  }
  const maxBody = maxFrame + 1024 + (maxFrame >>> 6) // deflate's worst case, with room to spare
  const damaged = (offset: number, cause?: unknown) => tempFailure('a temporary partition file is not what this process wrote', file, cause, offset)
  const pending: Promise<Buffer>[] = []
  try {
    const chunk = Buffer.allocUnsafe(Math.max(READ_SIZE, 8 + maxBody))
    let have = 0 // bytes of chunk holding data
    let at = 0 // where the next frame starts in chunk
    let pos = 0 // file offset of chunk[have]
    let ended = false
    for (;;) {
      // Start inflating frames until enough are under way or the file is done.
      while (pending.length < INFLATE_AHEAD && !(ended && have === at)) {
        if (have - at >= 8) {
          const rawLen = u32(chunk, at)
          const compLen = u32(chunk, at + 4)
          const offset = pos - have + at
          if (rawLen > maxFrame || compLen > maxBody) throw damaged(offset)
          if (have - at >= 8 + compLen) {
            // A copy: chunk is refilled while the pool inflates.
            const body = Buffer.from(chunk.subarray(at + 8, at + 8 + compLen))
            at += 8 + compLen
            const raw = inflate(body, { maxOutputLength: Math.max(rawLen, 1), chunkSize: Math.max(16384, rawLen) }).then(
              (r) => {
                if (r.length !== rawLen) throw damaged(offset)
                return r
              },
              (err) => {
                throw damaged(offset, err)
              },
            )
            raw.catch(() => {}) // awaited in order below
            pending.push(raw)
            continue
          }
        }
        if (ended) throw tempFailure('a temporary partition file is shorter than what this process wrote', file, undefined, pos - have + at)
        // Not a whole frame left: move the rest to the front and read more.
        chunk.copyWithin(0, at, have)
        have -= at
        at = 0
        const { bytesRead } = await fh.read(chunk, have, chunk.length - have, pos)
        pos += bytesRead
        have += bytesRead
        if (bytesRead === 0) ended = true
      }
      const next = pending.shift()
      if (!next) return
      const frame = await next
      if (signal?.aborted) throw signal.reason
      yield frame
    }
  } finally {
    await Promise.allSettled(pending)
    await fh.close()
  }
}

/** A partition file's records in one buffer of `total` bytes (the size this process wrote). */
export async function loadPartition(file: string, total: number, maxFrame: number, signal?: AbortSignal): Promise<Buffer> {
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for await (const frame of readFrames(file, maxFrame, signal)) {
    if (at + frame.length > total) throw tempFailure('a temporary partition file holds more than this process wrote', file)
    frame.copy(out, at)
    at += frame.length
  }
  if (at !== total) throw tempFailure('a temporary partition file holds less than this process wrote', file)
  return out
}

function tempFailure(message: string, file: string, cause?: unknown, offset?: number): S3InventoryError {
  const code = (cause as { code?: string } | undefined)?.code
  return new S3InventoryError('IO_ERROR', message, { key: file, offset, actual: code, cause })
}
