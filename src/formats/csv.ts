/**
 * The S3 Inventory CSV dialect: no header, every field double-quoted (`""` for empty), `,` between
 * fields, LF line ends. Also accepted: unquoted fields, `""` escapes, CRLF and blank lines.
 *
 * Three steps, in-process by default; with `workers: true` the scan and the dictionary columns run on
 * a worker thread (formats/csv-decode.ts):
 * 1. scan: decompressed bytes → text + the start/end offset of every field (String#indexOf, native);
 * 2. extract: fields → typed columns (numbers, dates, booleans, dictionary ids), converted in place;
 * 3. build: columns → row objects, on the caller's thread (object allocation must happen there).
 * Only bytes and typed arrays cross the thread boundary (transferred, not copied); the caller decodes
 * the chunk's bytes into the same text again, which is cheaper than cloning the string.
 * csv-parse spends 10–90× longer per row on this dialect (see docs/performance.md).
 */
import type { FastBuffer } from '../codecs/buffers.js'
import type { ErrorCode } from '../errors.js'
import { emptyFilterInput, FILTER_FIELDS, type CompiledFilter } from '../filter.js'
import { columnarRowFactory, columnarRowFiller, detached, valueErrorToInventoryError, type ColumnKind } from '../schema/build.js'
import type { FieldDef } from '../schema/fields.js'
import type { DataFileRef, InventoryRow } from '../schema/row.js'
import { isAscii, isUtf8 } from 'node:buffer'
import { booleanAt, dateMsAt, decodeKey, sizeAt, ValueError } from '../schema/values.js'

/**
 * Whole records of one chunk: field j of record i is text[bounds[i·2n + 2j] .. bounds[i·2n + 2j + 1]).
 * `text` is `bytes` decoded (latin1 when ASCII, else UTF-8) followed by `extra`: the
 * unescaped values of fields that had `""` escapes. The bytes travel to another thread for free
 * (transferred); the text does not (cloning strings costs more than decoding them again).
 */
export interface ScanBatch {
  text: string
  bytes: Uint8Array
  ascii: boolean
  extra: string
  bounds: Int32Array
  /** Records in this batch. */
  count: number
  /** Index (in the file) of the batch's first record. */
  firstRow: number
}

/** What the scanner throws (a plain object: it must cross a worker boundary). */
export interface ScanFailure {
  scanFailure: true
  message: string
  expected: string
  actual?: string
  row: number
}

export interface CsvScanner {
  /** Scan a chunk of decompressed bytes; returns the records it completes (undefined if none). */
  push(chunk: Uint8Array): ScanBatch | undefined
  /** End of input: the last record may lack its newline. */
  end(): ScanBatch | undefined
}

/** Field-boundary scanner (runs in-process or on the CSV worker thread). */
export function createCsvScanner(fieldCount: number, maxRecord: number): CsvScanner {
  const QUOTE = 34
  const COMMA = 44
  const LF = 10
  const CR = 13
  const stride = 2 * fieldCount
  let bounds = new Int32Array(stride * 256)
  let rowIndex = 0
  // Undecoded bytes: an incomplete record (maybe an incomplete UTF-8 character). Kept as bytes so each
  // chunk's text is one flat string: charCodeAt on a concatenated (cons) string is several times slower.
  let carry: Uint8Array | undefined
  let extra = ''

  const fail = (message: string, expected: string, actual?: string) => ({ scanFailure: true, message, expected, actual, row: rowIndex })

  function grow(count: number) {
    if ((count + 1) * stride > bounds.length) {
      const next = new Int32Array(bounds.length * 2)
      next.set(bounds)
      bounds = next
    }
  }

  function readEscaped(t: string, start: number, final: boolean): { value: string; end: number } | undefined {
    let value = ''
    let p = start
    for (;;) {
      const q = t.indexOf('"', p)
      if (q === -1) return undefined
      if (t.charCodeAt(q + 1) === QUOTE) {
        value += t.slice(p, q + 1)
        p = q + 2
        continue
      }
      if (q + 1 >= t.length && !final) return undefined
      return { value: value + t.slice(p, q), end: q }
    }
  }

  /** Scans whole records of `t`; returns [where the first incomplete record starts, records found]. */
  function scan(t: string, final: boolean): [number, number] {
    const n = t.length
    let p = 0
    let count = 0
    extra = ''
    while (p < n) {
      let c = t.charCodeAt(p)
      if (c === LF || c === CR) {
        p++
        continue
      }
      const recordStart = p
      grow(count)
      const base = count * stride
      let fi = 0
      let escaped: (string | undefined)[] | undefined
      for (;;) {
        let s: number
        let e: number
        if (c === QUOTE) {
          let q = t.indexOf('"', p + 1)
          if (q === -1) {
            if (final) throw fail('unterminated quoted field', 'a closing "')
            return [recordStart, count]
          }
          if (q + 1 >= n && !final) return [recordStart, count] // the next char may be a second quote
          if (t.charCodeAt(q + 1) === QUOTE) {
            const esc = readEscaped(t, p + 1, final)
            if (esc === undefined) {
              if (final) throw fail('unterminated quoted field', 'a closing "')
              return [recordStart, count]
            }
            escaped ??= []
            escaped[fi] = esc.value
            s = e = -1
            q = esc.end
          } else {
            s = p + 1
            e = q
          }
          p = q + 1
        } else {
          let q = p
          while (q < n) {
            const d = t.charCodeAt(q)
            if (d === COMMA || d === LF || d === CR) break
            if (d === QUOTE) throw fail('quote inside an unquoted field', 'a field that is quoted as a whole', t.slice(p, q + 1))
            q++
          }
          if (q >= n && !final) return [recordStart, count]
          s = p
          e = q
          p = q
        }
        if (fi < fieldCount) {
          bounds[base + 2 * fi] = s
          bounds[base + 2 * fi + 1] = e
        }
        fi++
        c = t.charCodeAt(p)
        if (c === COMMA) {
          p++
          if (p >= n && !final) return [recordStart, count]
          c = t.charCodeAt(p)
          continue
        }
        if (c === LF || c === CR || p >= n) break
        throw fail('unexpected character after a quoted field', 'a comma or end of line', t.slice(p, p + 20))
      }
      if (p >= n && !final) return [recordStart, count] // the record's end is not in this text yet
      if (fi !== fieldCount) throw fail('wrong number of fields', `${fieldCount} fields (fileSchema)`, `${fi} fields`)
      if (escaped) {
        // Unescaped values go after the chunk's text; their offsets point there.
        for (let j = 0; j < fieldCount; j++) {
          if (bounds[base + 2 * j] !== -1) continue
          bounds[base + 2 * j] = n + extra.length
          extra += escaped[j] ?? ''
          bounds[base + 2 * j + 1] = n + extra.length
        }
      }
      count++
      rowIndex++
      p += c === CR && t.charCodeAt(p + 1) === LF ? 2 : 1
    }
    return [n, count]
  }

  function completeUtf8End(b: Uint8Array): number {
    let i = b.length - 1
    let cont = 0
    while (cont < 3 && i >= 0 && (b[i] & 0xc0) === 0x80) {
      i--
      cont++
    }
    if (i >= 0 && b[i] >= 0xc0) {
      const need = b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 : 2
      if (cont + 1 < need) return i
    }
    return b.length
  }

  function batch(t: string, b: Uint8Array, end: number, ascii: boolean, count: number, firstRow: number): ScanBatch | undefined {
    if (count === 0) return undefined
    // `bytes` may be a view into the decompressor's buffer: whoever transfers it copies it first.
    return { text: extra ? t + extra : t, bytes: b.subarray(0, end), ascii, extra, bounds: bounds.slice(0, count * stride), count, firstRow }
  }

  return {
    push(chunk) {
      let b = chunk
      if (carry) {
        b = new Uint8Array(carry.length + chunk.length)
        b.set(carry)
        b.set(chunk, carry.length)
      }
      const buf = Buffer.from(b.buffer, b.byteOffset, b.length)
      const ascii = isAscii(buf)
      const end = ascii ? buf.length : completeUtf8End(buf)
      // Invalid UTF-8 would decode to U+FFFD, whose re-encoded length differs from the bytes it
      // replaced, so the carried-over tail would start at the wrong byte. Inventory text is UTF-8
      // (keys are even URL-encoded): anything else is a corrupt file.
      if (!ascii && !isUtf8(buf.subarray(0, end))) throw fail('invalid UTF-8 in this row or a later one of the same chunk', 'UTF-8 text')
      // ASCII (the norm: keys are URL-encoded) decodes as latin1, the cheapest copy.
      const t = buf.toString(ascii ? 'latin1' : 'utf8', 0, end)
      const firstRow = rowIndex
      const [used, count] = scan(t, false)
      const usedBytes = ascii ? used : used === t.length ? end : end - Buffer.byteLength(t.slice(used), 'utf8')
      carry = usedBytes < b.length ? b.subarray(usedBytes) : undefined
      if (carry && carry.length > maxRecord) {
        throw fail('record too long', `a record under ${maxRecord} bytes (is a quote left open?)`, `${carry.length} bytes`)
      }
      return batch(t, b, end, ascii, count, firstRow)
    },
    end() {
      if (!carry) return undefined
      const b = carry
      carry = undefined
      const buf = Buffer.from(b.buffer, b.byteOffset, b.length)
      const ascii = isAscii(buf)
      if (!ascii && !isUtf8(buf)) throw fail('invalid UTF-8 in this row or a later one of the same chunk', 'UTF-8 text')
      const t = buf.toString(ascii ? 'latin1' : 'utf8')
      const firstRow = rowIndex
      const [, count] = scan(t, true)
      return batch(t, b, b.length, ascii, count, firstRow)
    },
  }
}

export function isScanFailure(e: unknown): e is ScanFailure {
  return typeof e === 'object' && e !== null && (e as ScanFailure).scanFailure === true
}

/**
 * The error fields of a scan or value failure (plain data, so they cross threads); undefined for
 * anything else. The caller adds the file.
 */
export function failureFields(e: unknown): { code: ErrorCode; message: string; row: number; column?: string; expected: string; actual?: string } | undefined {
  if (isScanFailure(e)) return { code: 'CSV_MALFORMED', message: e.message, row: e.row, expected: e.expected, actual: e.actual }
  if (isValueFailure(e)) return { code: e.code, message: `cannot read ${e.column}`, row: e.row, column: e.column, expected: e.expected, actual: e.actual }
  return undefined
}

/**
 * How a column travels from the scanning thread to the row-building one:
 * - `text`/`key`: offsets into the batch text (the key is URL-decoded on the building side);
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
  /** The chunk's bytes and how to decode them into the text that text/key offsets point into. */
  bytes: Uint8Array
  ascii: boolean
  extra: string
  /** The decoded text, when the batch did not cross threads. */
  text?: string
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

/** What the extractor throws on a value that does not parse (a plain object: it crosses threads). */
export interface ValueFailure {
  valueFailure: true
  code: 'VALUE_INVALID' | 'KEY_DECODE_FAILED'
  row: number
  column: string
  expected: string
  actual: string
}

/**
 * Scanned records → typed columns (runs in-process or on the CSV worker thread). With `only`, the
 * other columns are left out (an empty array in their place): two threads can split the work.
 */
export function createColumnExtractor(fieldCount: number, spec: ColumnSpec[], only?: (kind: ColumnKind) => boolean, filter?: CompiledFilter, startRow = 0) {
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
  // The current batch's bytes, for comparing ASCII fields with dictionary values 4 bytes at a time
  // (DataView reads): 2–3× faster than String#startsWith, and dictionary columns are most of the
  // extraction work (6 of 14 columns in a typical inventory).
  let raw: Uint8Array = new Uint8Array(0)
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
    for (let k = 0; k < m; k++) {
      const i = sel === undefined ? k : sel[k]
      const s = b[i * stride + o]
      const e = b[i * stride + o + 1]
      if (s === e) {
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
  const test = filter && !only ? rowTest(spec, filter) : undefined
  const reads = spec.map((c) => filter?.fields.has(c.name) ?? false)

  return function extract(batch: ScanBatch): ColumnarBatch {
    const { text: t, bounds: b, count: n, firstRow } = batch
    raw = batch.bytes
    view = new DataView(raw.buffer, raw.byteOffset, raw.length)
    // Packed arrays (not `new Array(n).fill`): rows read `c[j]` for every field.
    const cols: (Int32Array | Float64Array | Int8Array)[] = spec.map(() => SKIPPED)
    const dictAdds: (string[] | null)[] = spec.map(() => null)
    const dictResets: boolean[] = spec.map(() => false)
    const column = (j: number, sel: Int32Array | undefined) => {
      const o = 2 * spec[j].index
      const kind = spec[j].kind
      at = 0
      if (only && !only(kind)) return
      try {
        if (kind === 'dict') {
          const [ids, adds, reset] = dictionary(t, b, n, o, j, batch.ascii, sel)
          cols[j] = ids
          dictAdds[j] = adds
          dictResets[j] = reset
        } else if (kind === 'text' || kind === 'key') cols[j] = offsets(b, n, o, sel)
        else if (kind === 'number') cols[j] = sizes(t, b, n, o, sel)
        else if (kind === 'date') cols[j] = dates(t, b, n, o, sel)
        else cols[j] = booleans(t, b, n, o, sel)
      } catch (err) {
        const e = err as { code?: 'VALUE_INVALID' | 'KEY_DECODE_FAILED'; expected?: string; actual?: string; message?: string }
        throw { valueFailure: true, code: e.code ?? 'VALUE_INVALID', row: firstRow + at, column: spec[j].name, expected: e.expected ?? '', actual: e.actual ?? String(e.message) }
      }
    }
    let selected: Int32Array | undefined
    if (test) {
      for (let j = 0; j < spec.length; j++) if (reads[j]) column(j, undefined)
      const values = dicts.map((d) => d.values)
      const pass = new Int32Array(n)
      let m = 0
      // Records before the start row (a resumed read) are neither tested nor selected.
      for (let i = Math.max(0, startRow - firstRow); i < n; i++) {
        try {
          if (test(t, cols, values, i)) pass[m++] = i
        } catch (err) {
          // The filter decodes the key; anything else it throws is not about the data.
          if (!(err instanceof ValueError)) throw err
          throw { valueFailure: true, code: err.code, row: firstRow + i, column: 'key', expected: err.expected, actual: err.actual }
        }
      }
      selected = pass.subarray(0, m)
      // Nothing passed: the other columns stay empty placeholders.
      if (m > 0) for (let j = 0; j < spec.length; j++) if (!reads[j]) column(j, selected)
    } else {
      for (let j = 0; j < spec.length; j++) column(j, undefined)
    }
    const { bytes, ascii, extra } = batch
    return { count: n, firstRow, bytes, ascii, extra, text: t, cols, dictAdds, dictResets, selected }
  }
}

const SKIPPED = new Int32Array(0)

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

/** Which kind each row field travels as. */
export function columnKind(field: FieldDef): ColumnKind {
  switch (field.type) {
    case 'key':
      return 'key'
    case 'number':
      return 'number'
    case 'date':
      return 'date'
    case 'boolean':
      return 'boolean'
    default:
      return UNIQUE_PER_ROW.has(field.name) ? 'text' : 'dict'
  }
}

/** String columns whose values rarely repeat: a dictionary would only cost. */
const UNIQUE_PER_ROW = new Set(['versionId', 'eTag'])

export interface RowBuilderOptions {
  /** The columns extracted, in order; the first `outputs` of them go into rows, the rest only feed the filter. */
  spec: ColumnSpec[]
  outputs: number
  file: DataFileRef
  /** Records before this index are skipped. Default 0. */
  startRow?: number
  /** Evaluated on column values before a row is built (rejected rows cost no object). */
  filter?: CompiledFilter
}

/** Step 3: typed columns → row objects, on the caller's thread. */
export function csvRowBuilder(options: RowBuilderOptions): (batch: ColumnarBatch) => InventoryRow[] {
  const { file } = options
  const make = columnarRowFactory(rowFields(options), file)
  const rows = batchRows(options)
  const { dicts, passes } = rows
  const filter = options.filter
  return (batch) => {
    const { text, bytes, inBytes, start } = rows.begin(batch)
    const { cols, count, firstRow, selected } = batch
    const out: InventoryRow[] = []
    let i = start
    try {
      if (selected !== undefined) {
        // The filter ran during extraction.
        for (let k = 0; k < selected.length; k++) {
          i = selected[k]
          if (i >= start) out.push(make(text, bytes, inBytes, cols, dicts, i, firstRow + i))
        }
      } else {
        for (; i < count; i++) {
          if (filter === undefined || passes(text, cols, i)) out.push(make(text, bytes, inBytes, cols, dicts, i, firstRow + i))
        }
      }
    } catch (err) {
      // The key is decoded here (the only conversion left on this side).
      throw valueErrorToInventoryError(err, file, firstRow + i, 'key')
    }
    return out
  }
}

/**
 * Step 3 for aggregations: each row's fields written into one reused object handed to `visit` (which
 * must not keep it), instead of a row object per row.
 */
export function csvRowVisitor(options: RowBuilderOptions): (batch: ColumnarBatch, visit: (row: InventoryRow) => void) => void {
  const { file } = options
  const fill = columnarRowFiller(rowFields(options))
  const rows = batchRows(options)
  const { dicts, passes } = rows
  const row = {} as InventoryRow
  return (batch, visit) => {
    const { text, bytes, inBytes, start } = rows.begin(batch)
    const { cols, count, firstRow, selected } = batch
    // Without `selected`, every record from `start` on, through the filter if there is one.
    const filter = selected === undefined ? options.filter : undefined
    const m = selected === undefined ? count : selected.length
    for (let k = selected === undefined ? start : 0; k < m; k++) {
      const i = selected === undefined ? k : selected[k]
      if (i < start) continue
      try {
        if (filter !== undefined && !passes(text, cols, i)) continue
        fill(row, text, bytes, inBytes, cols, dicts, i)
      } catch (err) {
        throw valueErrorToInventoryError(err, file, firstRow + i, 'key')
      }
      // Outside the try: what the callback throws is its own error, not this row's.
      visit(row)
    }
  }
}

function rowFields(options: RowBuilderOptions) {
  return options.spec.slice(0, options.outputs).map((c, j) => ({ name: c.name, kind: c.kind, column: j }))
}

/**
 * A filter over a batch's typed columns (record `i`): the fields it reads, gathered into one reused
 * input. `d[j]` are column j's dictionary values.
 */
function rowTest(spec: ColumnSpec[], filter: CompiledFilter): (t: string, c: ColumnarBatch['cols'], d: string[][], i: number) => boolean {
  const at = (name: string) => (filter.fields.has(name) ? spec.findIndex((c) => c.name === name) : -1)
  const [kI, sI, cI, dI, lI, mI] = FILTER_FIELDS.map(at)
  const input = emptyFilterInput()
  return (t, c, d, i) => {
    if (kI >= 0) {
      const a = c[kI] as Int32Array
      input.key = decodeKey(t.slice(a[2 * i], a[2 * i + 1]))
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

/** What building and visiting rows share: the file's dictionaries, the filter, the batch's text and bytes. */
function batchRows(options: RowBuilderOptions) {
  const { spec } = options
  const startRow = options.startRow ?? 0
  const dicts: string[][] = spec.map(() => [])
  const passes = options.filter ? rowTest(spec, options.filter) : () => true

  function begin(batch: ColumnarBatch) {
    for (let j = 0; j < spec.length; j++) {
      if (batch.dictResets[j]) dicts[j] = []
      const adds = batch.dictAdds[j]
      if (adds) for (const v of adds) dicts[j].push(v)
    }
    // The same decode the scanner made, once per batch; fields are then String#slice of it.
    const text = batch.text ?? decodeText(batch)
    // Strings are copied out of the batch's bytes where offsets are byte offsets (an ASCII batch),
    // not sliced from its text, so that rows kept by the caller do not pin the chunk (see detached()).
    const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length) as FastBuffer
    const inBytes = batch.ascii ? bytes.length : -1
    const start = batch.firstRow < startRow ? Math.min(batch.count, startRow - batch.firstRow) : 0
    return { text, bytes, inBytes, start }
  }

  // `dicts` keeps its identity (its entries are replaced), so it can be handed out once.
  return { begin, passes: (t: string, c: ColumnarBatch['cols'], i: number) => passes(t, c, dicts, i), dicts }
}

/** A batch's text, decoded again from its bytes (the text itself does not cross threads). */
export function decodeText(b: Pick<ColumnarBatch, 'bytes' | 'ascii' | 'extra'>): string {
  const buf = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.length)
  const t = b.ascii ? (buf as FastBuffer).latin1Slice(0, buf.length) : buf.toString('utf8')
  return b.extra ? t + b.extra : t
}


/** Splits a CSV `fileSchema` ("Bucket, Key, Size, …") into trimmed names. */
export function parseCsvSchema(fileSchema: string): string[] {
  return fileSchema.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
}
