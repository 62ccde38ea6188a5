/**
 * CSV step 2, the column extractor: scanned records → typed columns (numbers, dates, booleans,
 * dictionary ids, text offsets), converted in place from the chunk's text and bytes. With a filter,
 * the columns it reads are extracted first and the others only for the records that pass.
 */
import { emptyFilterInput, FILTER_FIELDS, type CompiledFilter } from '../../filter.js'
import { detached, type ColumnKind } from '../../schema/build.js'
import type { FastBuffer } from '../../codecs/buffers.js'
import { booleanAt, dateMsAt, decodeKey, decodeKeyInto, keyIsUtf8, sizeAt, ValueError } from '../../schema/values.js'
import type { ScanBatch } from './scanner.js'

/**
 * How a column is held in a batch:
 * - `text`: offsets into the batch text;
 * - `key`: offsets into the batch's `keys` bytes, where keys are already URL-decoded (UTF-8);
 * - `dict`: ids into a per-file dictionary of values (low-cardinality columns: bucket, storage class…);
 * - `number`/`date`: a Float64Array (epoch ms for dates), NaN when empty;
 * - `boolean`: an Int8Array, 1/0, -1 when empty.
 */
export type { ColumnKind }

export interface ColumnSpec {
  /** Position of the field in each record. */
  index: number
  kind: ColumnKind
  /** Row field name. */
  name: string
}

export interface ColumnarBatch {
  count: number
  firstRow: number
  /** The chunk's bytes, and whether they are ASCII (then text offsets are byte offsets too). */
  bytes: Uint8Array
  ascii: boolean
  /** The chunk's text (offsets point into it), followed by the unescaped values of `""`-escaped fields. */
  text: string
  /** The decoded keys of the `key` column, as bytes; `keysUtf8`: some are not ASCII (decode them as UTF-8). */
  keys: Uint8Array
  keysUtf8: boolean
  /** One array per ColumnSpec, in spec order. */
  cols: (Int32Array | Float64Array | Int8Array)[]
  /** New dictionary values per column (appended to the file's dictionary), or null. */
  dictAdds: (string[] | null)[]
  /** Columns whose dictionary was reset before this batch (it grew past its cap). */
  dictResets: boolean[]
  /**
   * With a filter evaluated during extraction: the records that pass, in order (from the start row on).
   * Columns the filter does not read were extracted for these records only: the other records hold
   * placeholders that look like values (id 0, offsets 0–0, 0) and must not be read.
   */
  selected?: Int32Array
}

/** What the extractor throws on a value that does not parse (a plain object: it may cross threads). */
export interface ValueFailure {
  valueFailure: true
  code: 'VALUE_INVALID' | 'KEY_DECODE_FAILED'
  row: number
  column: string
  expected: string
  actual: string
}

/** Scanned records → typed columns. Records before `startRow` are not tested by the filter. */
export function createColumnExtractor(fieldCount: number, spec: ColumnSpec[], filter?: CompiledFilter, startRow = 0) {
  const DICT_MAX = 1 << 16
  const stride = 2 * fieldCount
  const SMALL = 24
  const newDict = () => ({ values: [] as string[], words: [] as (Int32Array | null)[], ids: new Map<string, number>() })
  const dicts = spec.map(newDict)
  // Which record failed, for the error (each loop below keeps it current).
  let at = 0

  // One small loop per kind, so each stays monomorphic (one array type, one parser). Each visits the
  // records in `sel` when given (those a filter let through), else all `n`.
  function offsets(b: Int32Array, n: number, o: number, sel: Int32Array | undefined): Int32Array {
    const a = new Int32Array(2 * n)
    const m = sel === undefined ? n : sel.length
    for (let k = 0; k < m; k++) {
      const i = sel === undefined ? k : sel[k]
      a[2 * i] = b[i * stride + o]
      a[2 * i + 1] = b[i * stride + o + 1]
    }
    return a
  }
  function sizes(t: string, b: Int32Array, n: number, o: number, sel: Int32Array | undefined): Float64Array {
    const a = new Float64Array(n)
    const m = sel === undefined ? n : sel.length
    for (let k = 0; k < m; k++) {
      const i = (at = sel === undefined ? k : sel[k])
      const s = b[i * stride + o]
      const e = b[i * stride + o + 1]
      a[i] = s === e ? NaN : (sizeAt(t, s, e) as number)
    }
    return a
  }
  function dates(t: string, b: Int32Array, n: number, o: number, sel: Int32Array | undefined): Float64Array {
    const a = new Float64Array(n)
    const m = sel === undefined ? n : sel.length
    for (let k = 0; k < m; k++) {
      const i = (at = sel === undefined ? k : sel[k])
      const s = b[i * stride + o]
      const e = b[i * stride + o + 1]
      a[i] = s === e ? NaN : dateMsAt(t, s, e)
    }
    return a
  }
  function booleans(t: string, b: Int32Array, n: number, o: number, sel: Int32Array | undefined): Int8Array {
    const a = new Int8Array(n)
    const m = sel === undefined ? n : sel.length
    for (let k = 0; k < m; k++) {
      const i = (at = sel === undefined ? k : sel[k])
      const v = booleanAt(t, b[i * stride + o], b[i * stride + o + 1])
      a[i] = v === undefined ? -1 : v ? 1 : 0
    }
    return a
  }
  /**
   * Keys URL-decoded into one buffer per batch (so rows and the filter make one string per key, from
   * bytes, instead of a slice, a `+` replace and a decodeURIComponent). ASCII batches decode from the
   * chunk's bytes; others (raw UTF-8 elsewhere in the chunk) from the text.
   */
  const keyFlags = new Uint8Array(1)
  function keys(t: string, b: Int32Array, n: number, o: number, sel: Int32Array | undefined, ascii: boolean): [Int32Array, Buffer, boolean] {
    const a = new Int32Array(2 * n)
    const m = sel === undefined ? n : sel.length
    let total = 0
    let inBytes = true
    for (let k = 0; k < m; k++) {
      const i = sel === undefined ? k : sel[k]
      const e = b[i * stride + o + 1]
      const len = e - b[i * stride + o]
      if (len === 0) {
        at = i
        throw new ValueError('VALUE_INVALID', MISSING.key, 'an empty field')
      }
      total += len
      if (e > raw.length) inBytes = false
    }
    // No `%` or `+` anywhere in an ASCII chunk (two native scans): no key needs decoding, and keys are
    // read from the chunk's bytes as they are, without a copy.
    if (ascii && inBytes && raw.indexOf(37) === -1 && raw.indexOf(43) === -1) {
      for (let k = 0; k < m; k++) {
        const i = sel === undefined ? k : sel[k]
        a[2 * i] = b[i * stride + o]
        a[2 * i + 1] = b[i * stride + o + 1]
      }
      return [a, raw, false]
    }
    // A decoded key is never longer than its text in an ASCII batch; from text, UTF-8 takes ≤ 3 bytes a char.
    const out = Buffer.allocUnsafe(ascii ? total : 3 * total)
    keyFlags[0] = 0
    let p = 0
    for (let k = 0; k < m; k++) {
      const i = (at = sel === undefined ? k : sel[k])
      const s = b[i * stride + o]
      const e = b[i * stride + o + 1]
      const start = p
      if (ascii && e <= raw.length) {
        const flagged = keyFlags[0]
        keyFlags[0] = 0
        p = decodeKeyInto(raw, s, e, out, p, keyFlags)
        if (keyFlags[0] !== 0) keyIsUtf8(out, start, p, () => t.slice(s, e))
        keyFlags[0] |= flagged
      } else {
        p += out.write(decodeKey(t.slice(s, e)), p, 'utf8')
        keyFlags[0] = 0x80
      }
      a[2 * i] = start
      a[2 * i + 1] = p
    }
    return [a, out, keyFlags[0] !== 0]
  }

  // The current batch's bytes, for comparing ASCII fields with dictionary values 4 bytes at a time
  // (DataView reads): 2–3× faster than String#startsWith, and dictionary columns are most of the
  // extraction work (6 of 14 columns in a typical inventory).
  let raw: Buffer = Buffer.alloc(0)
  let view = new DataView(raw.buffer)

  /** Whether bytes[s, s + v.length) hold v, which `words` packs (null: v is not ASCII, so it cannot). */
  function sameBytes(v: string, words: Int32Array | null, s: number): boolean {
    if (words === null) return false
    const w = words.length
    for (let k = 0; k < w; k++) if (view.getInt32(s + 4 * k, true) !== words[k]) return false
    for (let k = 4 * w; k < v.length; k++) if (raw[s + k] !== v.charCodeAt(k)) return false
    return true
  }

  /** Dictionary ids; returns [ids, values new to the dictionary, whether it was reset]. */
  function dictionary(t: string, b: Int32Array, n: number, o: number, j: number, ascii: boolean, sel: Int32Array | undefined): [Int32Array, string[] | null, boolean] {
    const a = new Int32Array(n)
    const m = sel === undefined ? n : sel.length
    let dict = dicts[j]
    let adds: string[] | null = null
    let reset = false
    // Offsets up to `inBytes` are byte offsets too (an ASCII batch; beyond are unescaped values).
    const inBytes = ascii ? raw.length : -1
    // Consecutive rows mostly repeat a value: compare with the previous one first. Small dictionaries
    // (storage classes, statuses) are then searched in place, without cutting a substring to hash.
    let prevId = -1
    const required = spec[j].name === 'bucket'
    for (let k = 0; k < m; k++) {
      const i = sel === undefined ? k : sel[k]
      const s = b[i * stride + o]
      const e = b[i * stride + o + 1]
      if (s === e) {
        if (required) {
          at = i
          throw new ValueError('VALUE_INVALID', MISSING.bucket, 'an empty field')
        }
        a[i] = -1
        continue
      }
      const len = e - s
      const values = dict.values
      const words = dict.words
      const byBytes = e <= inBytes
      if (prevId >= 0 && values[prevId].length === len && (byBytes && prevId < SMALL ? sameBytes(values[prevId], words[prevId], s) : t.startsWith(values[prevId], s))) {
        a[i] = prevId
        continue
      }
      let id = -1
      if (values.length <= SMALL) {
        for (let x = 0; x < values.length; x++) {
          if (values[x].length === len && (byBytes ? sameBytes(values[x], words[x], s) : t.startsWith(values[x], s))) {
            id = x
            break
          }
        }
      } else id = dict.ids.get(t.slice(s, e)) ?? -1
      if (id < 0) {
        if (values.length >= DICT_MAX && !reset) {
          // Not low-cardinality after all: a fresh dictionary, and this batch's ids re-sent in it.
          dict = dicts[j] = newDict()
          adds = []
          reset = true
          prevId = -1
          k = -1
          continue
        }
        const v = detached(t.slice(s, e)) // it goes into rows: see detached()
        id = values.length
        values.push(v)
        // Packed only for small dictionaries (the linear search); a large one is searched by hash.
        if (id < SMALL) words.push(asciiWords(v))
        dict.ids.set(v, id)
        ;(adds ??= []).push(v)
      }
      a[i] = id
      prevId = id
    }
    return [a, adds, reset]
  }

  // A filter evaluated here, on the columns it reads, spares the others' extraction for rejected records.
  const test = filter ? rowTest(spec, filter) : undefined
  const reads = spec.map((c) => filter?.fields.has(c.name) ?? false)

  return function extract(batch: ScanBatch): ColumnarBatch {
    const { text: t, bounds: b, count: n, firstRow } = batch
    raw = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length)
    view = new DataView(raw.buffer, raw.byteOffset, raw.length)
    // Packed arrays (not `new Array(n).fill`): rows read `c[j]` for every field.
    const cols: (Int32Array | Float64Array | Int8Array)[] = spec.map(() => SKIPPED)
    const dictAdds: (string[] | null)[] = spec.map(() => null)
    const dictResets: boolean[] = spec.map(() => false)
    let keyBytes: Uint8Array = NO_KEYS
    let keysUtf8 = false
    const column = (j: number, sel: Int32Array | undefined) => {
      const o = 2 * spec[j].index
      const kind = spec[j].kind
      at = 0
      try {
        if (kind === 'dict') {
          const [ids, adds, reset] = dictionary(t, b, n, o, j, batch.ascii, sel)
          cols[j] = ids
          dictAdds[j] = adds
          dictResets[j] = reset
        } else if (kind === 'key') {
          const [a, out, utf8] = keys(t, b, n, o, sel, batch.ascii)
          cols[j] = a
          keyBytes = out
          keysUtf8 = utf8
        } else if (kind === 'text') cols[j] = offsets(b, n, o, sel)
        else if (kind === 'number') cols[j] = sizes(t, b, n, o, sel)
        else if (kind === 'date') cols[j] = dates(t, b, n, o, sel)
        else cols[j] = booleans(t, b, n, o, sel)
      } catch (err) {
        const e = err as { code?: 'VALUE_INVALID' | 'KEY_DECODE_FAILED'; expected?: string; actual?: string; message?: string }
        throw { valueFailure: true, code: e.code ?? 'VALUE_INVALID', row: firstRow + at, column: spec[j].name, expected: e.expected ?? '', actual: e.actual ?? String(e.message) }
      }
    }
    let selected: Int32Array | undefined
    // Records before the start row (a resumed read) are not typed at all: a bad value there is not this read's.
    const skip = Math.max(0, Math.min(n, startRow - firstRow))
    const fromStart = skip > 0 ? Int32Array.from({ length: n - skip }, (_, k) => skip + k) : undefined
    if (test) {
      for (let j = 0; j < spec.length; j++) if (reads[j]) column(j, fromStart)
      const values = dicts.map((d) => d.values)
      const pass = new Int32Array(n)
      let m = 0
      for (let i = skip; i < n; i++) if (test(keyBytes, keysUtf8, cols, values, i)) pass[m++] = i
      selected = pass.subarray(0, m)
      // Nothing passed: the other columns stay empty placeholders.
      if (m > 0) for (let j = 0; j < spec.length; j++) if (!reads[j]) column(j, selected)
    } else {
      for (let j = 0; j < spec.length; j++) column(j, fromStart)
      if (fromStart) selected = fromStart
    }
    const { bytes, ascii } = batch
    return { count: n, firstRow, bytes, ascii, text: t, keys: keyBytes, keysUtf8, cols, dictAdds, dictResets, selected }
  }
}

/** S3 writes a bucket and a key in every row: an empty one cannot be right. */
const MISSING = { key: 'a non-empty key (S3 writes one in every row)', bucket: 'a non-empty bucket (S3 writes one in every row)' }

const SKIPPED = new Int32Array(0)
const NO_KEYS = new Uint8Array(0)

/** An ASCII string's bytes as little-endian 32-bit words (whole words only), or null if not ASCII. */
function asciiWords(v: string): Int32Array | null {
  for (let k = 0; k < v.length; k++) if (v.charCodeAt(k) > 127) return null
  const w = new Int32Array(v.length >> 2)
  for (let k = 0; k < w.length; k++) {
    w[k] = v.charCodeAt(4 * k) | (v.charCodeAt(4 * k + 1) << 8) | (v.charCodeAt(4 * k + 2) << 16) | (v.charCodeAt(4 * k + 3) << 24)
  }
  return w
}

export function isValueFailure(e: unknown): e is ValueFailure {
  return typeof e === 'object' && e !== null && (e as ValueFailure).valueFailure === true
}

/**
 * A filter over a batch's typed columns (record `i`): the fields it reads, gathered into one reused
 * input. `d[j]` are column j's dictionary values.
 */
export function rowTest(spec: ColumnSpec[], filter: CompiledFilter): (keys: Uint8Array, utf8: boolean, c: ColumnarBatch['cols'], d: string[][], i: number) => boolean {
  const at = (name: string) => (filter.fields.has(name) ? spec.findIndex((c) => c.name === name) : -1)
  const [kI, sI, cI, dI, lI, mI] = FILTER_FIELDS.map(at)
  const input = emptyFilterInput()
  return (keys, utf8, c, d, i) => {
    if (kI >= 0) {
      const a = c[kI] as Int32Array
      const k = keys as FastBuffer
      input.key = utf8 ? k.utf8Slice(a[2 * i], a[2 * i + 1]) : k.latin1Slice(a[2 * i], a[2 * i + 1])
    }
    if (sI >= 0) {
      const v = c[sI][i]
      input.size = v === v ? v : undefined
    }
    if (cI >= 0) {
      const id = c[cI][i]
      input.storageClass = id < 0 ? undefined : d[cI][id]
    }
    if (dI >= 0) {
      const v = c[dI][i]
      input.lastModified = v === v ? v : undefined
    }
    if (lI >= 0) input.isLatest = c[lI][i] === 1 ? true : c[lI][i] === 0 ? false : undefined
    if (mI >= 0) input.isDeleteMarker = c[mI][i] === 1 ? true : c[mI][i] === 0 ? false : undefined
    return filter.test(input)
  }
}
