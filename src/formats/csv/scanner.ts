/**
 * CSV step 1, the scanner: decompressed bytes → the text of whole records and the start/end offset
 * of every field (String#indexOf, native). The S3 Inventory dialect: no header, every field
 * double-quoted (`""` for empty), `,` between fields, LF line ends; also accepted: unquoted fields,
 * `""` escapes, CRLF and blank lines. csv-parse spends 10–90× longer per row on this dialect (see
 * docs/performance.md).
 */
import { isAscii, isUtf8 } from 'node:buffer'

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

/** What the scanner throws (a plain object: it may cross a worker boundary). */
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

/** Field-boundary scanner. */
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
