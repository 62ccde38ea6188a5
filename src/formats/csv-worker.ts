/**
 * The CSV worker thread: MD5, gunzip and scanning of the files the caller's thread feeds it (it does
 * no I/O itself, so S3 clients and credentials stay with the caller). For rows it sends back the
 * field offsets and the dictionary columns; for summaries it extracts and aggregates everything
 * here and sends only the totals.
 */
import { createHash, type Hash } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import { createGunzip, type Gunzip } from 'node:zlib'
import { errorData, S3InventoryError } from '../errors.js'
import { compileFilter } from '../filter.js'
import type { DataFileRef, InventoryRow } from '../schema/row.js'
import { createAccumulator } from '../summarize.js'
import { createColumnExtractor, createCsvScanner, csvRowVisitor, failureFields } from './csv.js'
import type { FromWorker, ToWorker } from './csv-worker-protocol.js'

interface FileState {
  gz: Gunzip
  hash?: Hash
  md5?: string
  size?: number
  bytes: number
  rows: number
  failed: boolean
}

const port = parentPort!
const files = new Map<number, FileState>()
const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer)

function fail(id: number, f: FileState, e: Omit<Extract<FromWorker, { type: 'error' }>, 'type' | 'id'>): void {
  if (f.failed) return
  f.failed = true
  f.gz.destroy()
  post({ type: 'error', id, ...e })
}

function open(m: Extract<ToWorker, { type: 'open' }>): void {
  // 64 KiB, not more: each chunk becomes one string, and strings over 128 KiB go to V8's large-object
  // space, whose allocation made decoding text ~6× slower here (docs/performance.md).
  const gz = createGunzip({ chunkSize: 64 * 1024 })
  const f: FileState = { gz, hash: m.md5 ? createHash('md5') : undefined, md5: m.md5, size: m.size, bytes: 0, rows: 0, failed: false }
  files.set(m.id, f)
  const scanner = createCsvScanner(m.fieldCount, m.maxRecord)
  const agg = m.aggregate
  const filter = agg && compileFilter(agg.filter)
  // Summaries: every column here, the filter during extraction (rejected records cost only the columns
  // it reads). Rows: only the dictionary columns here; the caller extracts the others and builds rows.
  const extract = agg
    ? createColumnExtractor(m.fieldCount, m.spec, undefined, filter, agg.startRow)
    : createColumnExtractor(m.fieldCount, m.spec, (kind) => kind === 'dict')
  const file: DataFileRef = { key: '', fileIndex: 0, manifestMd5: '' }
  const visit = agg && csvRowVisitor({ spec: m.spec, outputs: agg.outputs, file, startRow: agg.startRow, filter })
  const acc = agg && createAccumulator(agg.by)
  const add = acc && ((row: InventoryRow) => acc.add(row))

  const take = (scanned: ReturnType<typeof scanner.push>) => {
    if (!scanned) return
    f.rows += scanned.count
    if (visit && add) {
      // No row objects: the accumulator reads each row from one reused object.
      visit(extract(scanned), add)
      return
    }
    // Rows: this thread takes MD5, gunzip's glue, the scan and the dictionary columns; the caller
    // the other columns and the rows. That split kept both threads busiest (docs/performance.md).
    const { cols, dictAdds, dictResets } = extract(scanned)
    scanned.text = '' // decoded again on the other side from the transferred bytes
    scanned.bytes = new Uint8Array(scanned.bytes) // a copy that owns its memory, so it can be transferred
    const transfer = [scanned.bytes.buffer, scanned.bounds.buffer, ...cols.filter((c) => c.length > 0).map((c) => c.buffer)] as ArrayBuffer[]
    post({ type: 'scanned', id: m.id, batch: scanned, dicts: { cols, dictAdds, dictResets } }, transfer)
  }
  const guard = (fn: () => void) => {
    try {
      fn()
    } catch (e) {
      const fields = failureFields(e)
      if (fields) fail(m.id, f, fields)
      else if (e instanceof S3InventoryError) fail(m.id, f, errorData(e))
      else fail(m.id, f, { code: 'INTERNAL', message: String((e as Error)?.stack ?? e) })
    }
  }
  gz.on('data', (d: Buffer) => guard(() => take(scanner.push(d))))
  gz.on('error', (e: Error & { code?: string }) => {
    const truncated = e.code === 'Z_BUF_ERROR'
    fail(m.id, f, {
      code: 'GZIP_CORRUPT',
      message: truncated ? 'gzip data ends early (truncated file)' : `invalid gzip data (${e.message})`,
      expected: truncated ? 'a complete gzip stream' : 'gzip data',
      offset: gz.bytesWritten,
    })
  })
  gz.on('end', () =>
    guard(() => {
      take(scanner.end())
      if (f.failed) return
      // Integrity before 'done': the reader holds the last batch until then.
      if (f.size !== undefined && f.bytes !== f.size) {
        return fail(m.id, f, { code: 'DATA_SIZE_MISMATCH', message: 'data file size differs from the manifest', expected: `${f.size} bytes`, actual: `${f.bytes} bytes` })
      }
      const md5 = f.hash?.digest('hex')
      if (f.md5 && md5 !== f.md5) {
        return fail(m.id, f, { code: 'DATA_CHECKSUM_MISMATCH', message: 'data file bytes do not match the manifest MD5', expected: f.md5, actual: md5 })
      }
      files.delete(m.id)
      post({ type: 'done', id: m.id, summary: acc?.partial(), rows: f.rows })
    }),
  )
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'open') return open(m)
  const f = files.get(m.id)
  if (!f) return
  if (m.type === 'data') {
    if (f.failed) return
    f.bytes += m.chunk.length
    if (f.size !== undefined && f.bytes > f.size) {
      return fail(m.id, f, { code: 'DATA_SIZE_MISMATCH', message: 'data file size differs from the manifest', expected: `${f.size} bytes`, actual: `more than ${f.size} bytes` })
    }
    f.hash?.update(m.chunk)
    f.gz.write(m.chunk, () => {
      post({ type: 'ack', id: m.id, rows: f.rows })
      f.rows = 0
    })
  } else if (m.type === 'end') {
    if (!f.failed) f.gz.end()
  } else if (m.type === 'close') {
    f.failed = true
    f.gz.destroy()
    files.delete(m.id)
  }
})
