import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { isInventoryError } from '../src/errors.js'
import type { ColumnarBatch } from '../src/formats/csv/columns.js'
import { createColumnExtractor } from '../src/formats/csv/columns.js'
import { csvBatches } from '../src/formats/csv/decode.js'
import { csvRowBuilder } from '../src/formats/csv/rows.js'
import { createCsvScanner, isScanFailure, type ScanBatch } from '../src/formats/csv/scanner.js'
import { columnKind, parseCsvSchema } from '../src/formats/csv/schema.js'
import type { ColumnSpec } from '../src/formats/csv/columns.js'
import type { CompiledFilter } from '../src/filter.js'
import type { ObjectRef } from '../src/sources/source.js'
import { compileFilter, type RowFilter } from '../src/filter.js'
import { fieldForCsvName } from '../src/schema/fields.js'
import { rowSource, type DataFileRef } from '../src/schema/row.js'
import { collect } from './support/tmp.js'

/** The CSV decoder over a byte stream, as the format reader runs it. */
function decodeCsvGz(open: (signal: AbortSignal) => AsyncIterable<Uint8Array>, ref: ObjectRef, o: { fieldCount: number; spec: ColumnSpec[]; signal: AbortSignal; expected?: { md5?: string; size?: number }; filter?: CompiledFilter; startRow?: number }) {
  return csvBatches(open(o.signal), ref, { plan: { fieldCount: o.fieldCount, spec: o.spec, outputs: o.spec.length }, expected: o.expected, filter: o.filter, startRow: o.startRow })
}


/** Fields of every record, as strings, from scanned batches. */
function fieldsOf(batches: ScanBatch[], n: number): string[][] {
  const out: string[][] = []
  for (const b of batches) {
    for (let i = 0; i < b.count; i++) {
      const rec: string[] = []
      for (let j = 0; j < n; j++) rec.push(b.text.slice(b.bounds[i * 2 * n + 2 * j], b.bounds[i * 2 * n + 2 * j + 1]))
      out.push(rec)
    }
  }
  return out
}

function scanChunks(chunks: Uint8Array[], n: number): string[][] {
  const s = createCsvScanner(n, 1 << 20)
  const batches: ScanBatch[] = []
  for (const c of chunks) {
    const b = s.push(c)
    if (b) batches.push(b)
  }
  const last = s.end()
  if (last) batches.push(last)
  return fieldsOf(batches, n)
}

const file: DataFileRef = { key: 'data/x.csv.gz', bucket: 'dest', fileIndex: 0, manifestMd5: '0'.repeat(32) }

describe('CSV scanner (inventory dialect)', () => {
  it('reads quoted fields, empty "" fields and a trailing newline', () => {
    const text = '"b","k1","","true"\n"b","k2","5",""\n'
    expect(scanChunks([Buffer.from(text)], 4)).toEqual([
      ['b', 'k1', '', 'true'],
      ['b', 'k2', '5', ''],
    ])
  })
  it('accepts a last line without newline, CRLF, blank lines and unquoted fields', () => {
    const text = '\n"a",b,""\r\n\r\n\nc,"d",e'
    expect(scanChunks([Buffer.from(text)], 3)).toEqual([
      ['a', 'b', ''],
      ['c', 'd', 'e'],
    ])
  })
  it('unescapes doubled quotes and keeps commas and newlines inside quotes', () => {
    const text = '"say ""hi""","a,b","line\nbreak"\n"""","",""""""\n'
    expect(scanChunks([Buffer.from(text)], 3)).toEqual([
      ['say "hi"', 'a,b', 'line\nbreak'],
      ['"', '', '""'],
    ])
  })
  it('gives the same records whatever the chunk boundaries, including inside UTF-8 characters', () => {
    const records = [
      ['bucket', 'unicode/naïve café/日本語/😀.png', 'x""y', ''],
      ['bucket', 'k%20', 'a,b\r\nc', '9'],
      ['b', 'é'.repeat(30), '', 'z'],
    ]
    const text = records.map((r) => `${r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')}\n`).join('')
    const bytes = Buffer.from(text)
    for (let cut = 1; cut < bytes.length; cut++) {
      const got = scanChunks([bytes.subarray(0, cut), bytes.subarray(cut)], 4)
      expect(got, `cut at byte ${cut}`).toEqual(records)
    }
    // Three-way cuts too (every 7th pair, to keep it quick).
    for (let a = 1; a < bytes.length; a += 7) {
      for (let b = a + 1; b < bytes.length; b += 5) {
        expect(scanChunks([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)], 4)).toEqual(records)
      }
    }
  })
  it('fails on a wrong number of fields, naming the row and the expected count', () => {
    const s = createCsvScanner(3, 1 << 20)
    try {
      s.push(Buffer.from('"a","b","c"\n"a","b"\n'))
      s.end()
      expect.unreachable()
    } catch (e) {
      expect(isScanFailure(e)).toBe(true)
      expect(e).toMatchObject({ row: 1, expected: '3 fields (fileSchema)', actual: '2 fields' })
    }
  })
  it('fails on an unterminated quote at the end of input and on text after a closing quote', () => {
    const s = createCsvScanner(2, 1 << 20)
    expect(s.push(Buffer.from('"a","b\n'))).toBeUndefined()
    expect(() => s.end()).toThrow(expect.objectContaining({ message: 'unterminated quoted field', row: 0 }))
    const t = createCsvScanner(2, 1 << 20)
    expect(() => t.push(Buffer.from('"a"x,"b"\n'))).toThrow(expect.objectContaining({ message: 'unexpected character after a quoted field' }))
  })
  it('bounds memory when a quote never closes', () => {
    const s = createCsvScanner(2, 1000)
    expect(() => {
      s.push(Buffer.from('"'))
      for (let i = 0; i < 10; i++) s.push(Buffer.from('x'.repeat(200)))
    }).toThrow(expect.objectContaining({ message: 'record too long' }))
  })
  it('splits fileSchema on commas, trimming spaces', () => {
    expect(parseCsvSchema('Bucket, Key,  Size ,IsLatest')).toEqual(['Bucket', 'Key', 'Size', 'IsLatest'])
  })
})

describe('CSV column extraction and row building', () => {
  const schema = parseCsvSchema('Bucket, Key, VersionId, IsLatest, Size, LastModifiedDate, StorageClass, SomethingNew')
  const fields = schema.map(fieldForCsvName)
  const spec = (names?: string[]) => fields.flatMap((f, index) => (!names || names.includes(f.name) ? [{ index, kind: columnKind(f), name: f.name }] : []))
  const build = (text: string | string[], names?: string[], extra: Partial<Parameters<typeof csvRowBuilder>[0]> = {}) => {
    const s = createCsvScanner(schema.length, 1 << 20)
    const sp = spec(names)
    const extract = createColumnExtractor(schema.length, sp)
    const chunks = typeof text === 'string' ? [text] : text
    const batches = [...chunks.map((c) => s.push(Buffer.from(c))), s.end()].filter((b): b is ScanBatch => b !== undefined)
    const b = csvRowBuilder({ spec: sp, outputs: sp.length, file, ...extra })
    return batches.map(extract).flatMap((x) => b(x))
  }

  it('maps by fileSchema name to typed camelCase fields; empty is undefined; unknown columns stay strings', () => {
    const rows = build('"b","a+b%2Bc","","true","12","2024-05-06T22:37:48.000Z","STANDARD","x"\n"b","d%C3%A9","v1","false","","2024-05-06T22:37:49.000Z","","y"\n')
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { bucket: 'b', key: 'a b+c', versionId: undefined, isLatest: true, size: 12, lastModifiedDate: new Date('2024-05-06T22:37:48.000Z'), storageClass: 'STANDARD', somethingNew: 'x' },
      { bucket: 'b', key: 'dé', versionId: 'v1', isLatest: false, size: undefined, lastModifiedDate: new Date('2024-05-06T22:37:49.000Z'), storageClass: undefined, somethingNew: 'y' },
    ])
    expect(rowSource(rows[1])).toEqual({ file, row: 1 })
    // Provenance stays out of JSON.
    expect(JSON.parse(JSON.stringify(rows[0]))).not.toHaveProperty('file')
    expect(Object.keys(rows[0])).toHaveLength(8)
  })
  it('keeps dictionary values and escaped or non-ASCII text right across batches', () => {
    const line = (i: number, cls: string) => `"b${i % 2}","k%20${i}","v""${i}""","true","${i}","2024-05-06T22:37:48.000Z","${cls}","日本${i}"\n`
    const chunks = Array.from({ length: 40 }, (_, i) => line(i, ['STANDARD', 'GLACIER', '', 'DEEP_ARCHIVE'][i % 4]))
    const rows = build(chunks)
    expect(rows).toHaveLength(40)
    rows.forEach((r, i) => {
      expect({ ...r }).toMatchObject({ bucket: `b${i % 2}`, key: `k ${i}`, versionId: `v"${i}"`, size: i, storageClass: ['STANDARD', 'GLACIER', undefined, 'DEEP_ARCHIVE'][i % 4], somethingNew: `日本${i}` })
    })
  })
  it('matches dictionary values exactly whether a batch is ASCII (compared as bytes) or not', () => {
    // U+0141 'Ł' has the low byte of 'A': a value packed as latin1 would match "AAAA" byte for byte.
    const line = (v: string) => `"b","k","","true","1","2024-05-06T22:37:48.000Z","STANDARD","${v}"\n`
    const values = ['ŁŁŁŁ', 'AAAA', 'AAAA', 'ŁŁŁŁ', 'AAAA""B', 'AAAAB', 'AAAAA', 'AAAAB', 'AAAA""B', 'AAAA']
    const rows = build(values.map(line))
    expect(rows.map((r) => r.somethingNew)).toEqual(values.map((v) => v.replace('""', '"')))
  })
  it('projects columns and skips rows before startRow', () => {
    const rows = build('"b","k0","","true","1","2024-01-01T00:00:00.000Z","",""\n"b","k1","","true","2","2024-01-01T00:00:00.000Z","",""\n', ['key', 'size'], { startRow: 1 })
    expect(rows.map((r) => ({ ...r }))).toEqual([{ key: 'k1', size: 2 }])
  })
  it('names the row and column of a malformed key escape', () => {
    // Keys are decoded during extraction (as plain data: the decoder adds the file, see decode.ts).
    expect(() => build('"b","ok","","true","1","2024-05-06T22:37:48.000Z","",""\n"b","bad%zz","","true","1","2024-05-06T22:37:48.000Z","",""\n')).toThrow(
      expect.objectContaining({ valueFailure: true, code: 'KEY_DECODE_FAILED', row: 1, column: 'key', actual: 'bad%zz' }),
    )
  })
  it('names the row and column of a bad size, date or boolean', () => {
    expect(() => build('"b","k","","true","12x","2024-05-06T22:37:48.000Z","",""\n')).toThrow(expect.objectContaining({ valueFailure: true, row: 0, column: 'size', actual: '12x' }))
    expect(() => build('"b","k","","true","1","yesterday","",""\n')).toThrow(expect.objectContaining({ valueFailure: true, row: 0, column: 'lastModifiedDate' }))
    expect(() => build('"b","k","","yes","1","2024-05-06T22:37:48.000Z","",""\n')).toThrow(expect.objectContaining({ valueFailure: true, row: 0, column: 'isLatest' }))
  })
})

describe('CSV.gz decoding, worker thread and in-process alike', () => {
  const records = Array.from({ length: 3000 }, (_, i) => [`b`, `k${i}%20x`, i % 3 === 0 ? '' : String(i), 'say ""hi""'])
  const text = records.map((r) => `${r.map((f) => `"${f}"`).join(',')}\n`).join('')
  const gz = gzipSync(text)
  const source = (bytes: Buffer, chunk = 1000) => async function* () {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk)
  }
  const ref = { bucket: 'dest', key: 'x.csv.gz' }
  const { createHash } = require('node:crypto') as typeof import('node:crypto')
  const md5 = createHash('md5').update(gz).digest('hex')
  const textSpec = [0, 1, 2, 3].map((index) => ({ index, kind: 'text' as const, name: `f${index}` }))
  /** Field strings of text-only columnar batches, decoded the way the row builder does. */
  const columnsOf = (batches: ColumnarBatch[]) =>
    batches.flatMap((b) => {
      const t = b.text
      return Array.from({ length: b.count }, (_, i) => b.cols.map((c) => t.slice(c[2 * i], c[2 * i + 1])))
    })
  it('reports VALUE_INVALID with row and column', async () => {
    {
      const bad = gzipSync('"b","k","1"\n"b","k","x"\n')
      const spec = [{ index: 2, kind: 'number' as const, name: 'size' }]
      await expect(collect(decodeCsvGz(source(bad), ref, { fieldCount: 3, spec, signal: new AbortController().signal }))).rejects.toMatchObject({
        code: 'VALUE_INVALID',
        row: 1,
        column: 'size',
        actual: 'x',
        key: 'x.csv.gz',
      })
    }
  })

  it('builds every column kind across a dictionary reset', async () => {
    // 70,000 distinct values overflow a column's dictionary (65,536), which is then reset mid-file.
    const schema = parseCsvSchema('Bucket, Key, VersionId, IsLatest, Size, LastModifiedDate, StorageClass, SomethingNew')
    const spec = schema.map(fieldForCsvName).map((f, index) => ({ index, kind: columnKind(f), name: f.name }))
    const classes = ['STANDARD', 'GLACIER', '', 'DEEP_ARCHIVE', 'INTELLIGENT_TIERING']
    const lines = Array.from({ length: 70_000 }, (_, i) =>
      `"b${i % 3}","k%20${i}${i % 7 === 0 ? '%E6%97%A5' : ''}","${i % 5 === 0 ? '' : `v""${i}""`}","${i % 2 === 0}","${i}","2024-05-06T22:37:${String(i % 60).padStart(2, '0')}.000Z","${classes[i % 5]}","${i % 11 === 0 ? '日本' : 'n'}${i}"\n`,
    )
    const bytes = gzipSync(lines.join(''))
    const build0 = csvRowBuilder({ spec, outputs: spec.length, file })
    const inProcess = (await collect(decodeCsvGz(source(bytes, 64 * 1024), ref, { fieldCount: schema.length, spec, signal: new AbortController().signal }))).flatMap((b) =>
      build0(b).map((r) => ({ ...r })),
    )
    expect(inProcess).toHaveLength(70_000)
    expect(inProcess[69_999]).toEqual({
      bucket: 'b0', key: 'k 69999', versionId: 'v"69999"', isLatest: false, size: 69_999,
      lastModifiedDate: new Date('2024-05-06T22:37:39.000Z'), storageClass: 'INTELLIGENT_TIERING', somethingNew: 'n69999',
    })
    expect(inProcess[69_993].key).toBe('k 69993日')

    // A filter runs during extraction (the other columns are extracted only for the records that
    // pass): it gives what filtering all rows gives, also from a start row and with a column the
    // filter reads but rows leave out (storageClass, last in spec).
    const all = inProcess.map((r, i) => ({ r, i }))
    const filters: [RowFilter, (r: (typeof inProcess)[number]) => boolean, number][] = [
      [{ prefix: 'k 1' }, (r) => r.key.startsWith('k 1'), 12_345],
      [{ storageClass: 'glacier', minSize: 30_000 }, (r) => r.storageClass === 'GLACIER' && (r.size as number) >= 30_000, 12_345],
      [{ suffix: '日', modifiedBefore: '2024-05-06T22:37:30Z' }, (r) => r.key.endsWith('日') && (r.lastModifiedDate as Date) < new Date('2024-05-06T22:37:30Z'), 12_345],
      // Passes 69,999 records: somethingNew's dictionary, typed for selected records only, is reset mid-file.
      [{ minSize: 1 }, (r) => (r.size as number) >= 1, 0],
    ]
    const outputs = spec.filter((c) => c.name !== 'storageClass')
    const projected = [...outputs, spec.find((c) => c.name === 'storageClass')!]
    for (const [rowFilter, keep, startRow] of filters) {
      const filter = compileFilter(rowFilter)!
      const expected = all.filter(({ r, i }) => i >= startRow && keep(r)).map(({ r }) => {
        const { storageClass: _, ...rest } = r
        return rest
      })
      expect(expected.length).toBeGreaterThan(100)
      {
        const build = csvRowBuilder({ spec: projected, outputs: outputs.length, file, startRow })
        const batches = await collect(decodeCsvGz(source(bytes, 64 * 1024), ref, { fieldCount: schema.length, spec: projected, filter, startRow, signal: new AbortController().signal }))
        expect(batches.every((b) => b.selected !== undefined)).toBe(true)
        if (startRow === 0) expect(batches.some((b) => b.dictResets.some(Boolean))).toBe(true)
        const rows = batches.flatMap((b) => build(b))
        expect(rows.map((r) => ({ ...r }))).toEqual(expected)
        expect(rows.map((r) => rowSource(r)?.row)).toEqual(all.filter(({ r, i }) => i >= startRow && keep(r)).map(({ i }) => i))
      }
    }
  })

  it('records a filter rejects are not typed: a bad size there passes, in an accepted record it fails', async () => {
    const schema = ['Bucket', 'Key', 'Size']
    const spec = schema.map((n) => fieldForCsvName(n)).map((f, index) => ({ index, kind: columnKind(f), name: f.name }))
    const bytes = gzipSync('"b","keep/1","10"\n"b","drop/2","not a number"\n"b","keep/3","30"\n')
    const read = (prefix: string) => {
      const filter = compileFilter({ prefix })!
      const build = csvRowBuilder({ spec, outputs: spec.length, file })
      return collect(decodeCsvGz(source(bytes), ref, { fieldCount: 3, spec, filter, signal: new AbortController().signal })).then((bs) => bs.flatMap((b) => build(b).map((r) => ({ ...r }))))
    }
    expect(await read('keep/')).toEqual([
      { bucket: 'b', key: 'keep/1', size: 10 },
      { bucket: 'b', key: 'keep/3', size: 30 },
    ])
    await expect(read('drop/')).rejects.toMatchObject({ code: 'VALUE_INVALID', row: 1, column: 'size', actual: 'not a number' })
  })

  it('a resumed read does not type the records before its start row (a malformed key there is not an error)', async () => {
    const schema = ['Bucket', 'Key', 'Size']
    const spec = schema.map((n) => fieldForCsvName(n)).map((f, index) => ({ index, kind: columnKind(f), name: f.name }))
    const bytes = gzipSync('"b","bad%zz","x"\n"b","k%201","1"\n"b","k2","2"\n')
    const read = async (startRow: number) => {
      const build = csvRowBuilder({ spec, outputs: spec.length, file, startRow })
      const batches = await collect(decodeCsvGz(source(bytes), ref, { fieldCount: 3, spec, startRow, signal: new AbortController().signal }))
      return batches.flatMap((b) => build(b).map((r) => ({ ...r })))
    }
    expect(await read(1)).toEqual([
      { bucket: 'b', key: 'k 1', size: 1 },
      { bucket: 'b', key: 'k2', size: 2 },
    ])
    await expect(read(0)).rejects.toMatchObject({ code: 'KEY_DECODE_FAILED', row: 0 })
  })

  it('a filter reading keys reports a malformed one from the start row on, not before it', async () => {
    const schema = ['Bucket', 'Key', 'Size']
    const spec = schema.map((n) => fieldForCsvName(n)).map((f, index) => ({ index, kind: columnKind(f), name: f.name }))
    const bytes = gzipSync('"b","bad%zz","1"\n"b","keep/1","2"\n"b","keep/%zz","3"\n"b","keep/4","4"\n')
    const read = (startRow: number) =>
      Promise.allSettled(
        [false].map(async () => {
          const filter = compileFilter({ prefix: 'keep/' })!
          const build = csvRowBuilder({ spec, outputs: spec.length, file, startRow })
          const batches = await collect(decodeCsvGz(source(bytes), ref, { fieldCount: 3, spec, filter, startRow, signal: new AbortController().signal }))
          return batches.flatMap((b) => build(b).map((r) => r.key))
        }),
      )
    expect(await read(1)).toMatchObject([{ status: 'rejected', reason: { code: 'KEY_DECODE_FAILED', row: 2, column: 'key', key: ref.key } }])
    expect(await read(3)).toEqual([{ status: 'fulfilled', value: ['keep/4'] }])
  })

  {
    it(`yields every record`, async () => {
      const batches = await collect(decodeCsvGz(source(gz), ref, { fieldCount: 4, spec: textSpec, signal: new AbortController().signal, expected: { md5, size: gz.length } }))
      const got = columnsOf(batches)
      expect(got).toHaveLength(3000)
      expect(got[0]).toEqual(['b', 'k0%20x', '', 'say "hi"'])
      expect(got[2999]).toEqual(['b', 'k2999%20x', '2999', 'say "hi"'])
    })
    it(`fails on a truncated gzip with GZIP_CORRUPT `, async () => {
      const cut = gz.subarray(0, gz.length - 100)
      await expect(collect(decodeCsvGz(source(cut), ref, { fieldCount: 4, spec: textSpec, signal: new AbortController().signal }))).rejects.toMatchObject({
        code: 'GZIP_CORRUPT',
        bucket: 'dest',
        key: 'x.csv.gz',
      })
    })
    it(`garbage is GZIP_CORRUPT with zlib's words in actual, not in the sentence`, async () => {
      const garbage = Buffer.concat([gz.subarray(0, 10), Buffer.alloc(64, 0xff)])
      await expect(collect(decodeCsvGz(source(garbage), ref, { fieldCount: 4, spec: textSpec, signal: new AbortController().signal }))).rejects.toMatchObject({
        code: 'GZIP_CORRUPT',
        message: 'invalid gzip data',
        expected: 'gzip data',
        actual: expect.stringMatching(/invalid/),
      })
    })
    it(`fails on an MD5 mismatch before the last batch is released `, async () => {
      const seen: ColumnarBatch[] = []
      const run = async () => {
        for await (const b of decodeCsvGz(source(gz), ref, { fieldCount: 4, spec: textSpec, signal: new AbortController().signal, expected: { md5: 'f'.repeat(32), size: gz.length } })) seen.push(b)
      }
      await expect(run()).rejects.toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', expected: 'f'.repeat(32), actual: md5 })
      expect(columnsOf(seen).length).toBeLessThan(3000)
    })
    it(`reports CSV_MALFORMED with the row `, async () => {
      const bad = gzipSync(`${text}"only","three","fields"\n`)
      await expect(collect(decodeCsvGz(source(bad), ref, { fieldCount: 4, spec: textSpec, signal: new AbortController().signal }))).rejects.toMatchObject({
        code: 'CSV_MALFORMED',
        row: 3000,
        key: 'x.csv.gz',
      })
    })
  }
})
