/**
 * ORC values and counts that a file can claim but a reader must not trust: decimal types out of
 * range, timestamps and dates beyond what a JS Date holds, rows no column backs, lengths that do not
 * fit in the file. Each one a typed error, found before the work it would have cost.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeOrc, type OrcColumn, type OrcRow, type WriteOrcOptions } from '../fixtures/orc-writer.js'
import { S3InventoryError } from '../src/errors.js'
import { orcJsonLines, readOrc, readOrcMetadata } from '../src/formats/orc/index.js'
import { Decimal } from '../src/schema/exact.js'
import { collect, tmpDir } from './support/tmp.js'

async function failure(p: Promise<unknown> | AsyncIterable<unknown>): Promise<S3InventoryError> {
  const e = await (Symbol.asyncIterator in p ? collect(p as AsyncIterable<unknown>) : (p as Promise<unknown>)).then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!(e instanceof S3InventoryError)) throw new Error(`expected an S3InventoryError, got ${String(e)}`)
  return e
}

const dir = await tmpDir('orc-bounds')
let n = 0
async function orcFile(columns: OrcColumn[], rows: OrcRow[], o: WriteOrcOptions = {}): Promise<string> {
  const p = path.join(dir, `f-${n++}.orc`)
  await writeFile(p, writeOrc(columns, rows, o))
  return p
}

describe('decimal types: precision 1–38, scale 0–precision; precision 0 is a Hive 0.11 decimal', () => {
  const rows = [{ d: 12345n }, { d: -1n }]
  it.each([
    ['a scale of 50,000 (printed 50,000-digit values)', 38, 50_000],
    ['a scale of 10^9 (36 s, 669 MB, then an untyped RangeError)', 38, 1e9],
    ['a precision of 10^9', 1e9, 2],
    ['a scale above the precision', 10, 40],
    ['a Hive 0.11 decimal (precision 0) with a scale', 0, 5],
  ])('%s is ORC_CORRUPT naming the column and type', async (_what, precision, scale) => {
    const p = await orcFile([{ name: 'd', kind: 'decimal', precision, scale }], rows)
    const e = await failure(readOrcMetadata(p))
    expect(e).toMatchObject({ code: 'ORC_CORRUPT', column: 'd', actual: `decimal(${precision},${scale})`, key: p })
    expect(e.message).toBe('a decimal column has a precision or scale out of range')
    expect((await failure(orcJsonLines(p))).code).toBe('ORC_CORRUPT')
  })
  it('decimal(38,38), decimal(1,0) and a Hive 0.11 decimal without precision or scale read', async () => {
    const p = await orcFile(
      [
        { name: 'a', kind: 'decimal', precision: 38, scale: 38 },
        { name: 'b', kind: 'decimal', precision: 1, scale: 0 },
        { name: 'c', kind: 'decimal' },
      ],
      [{ a: 1n, b: 7n, c: 5n }],
    )
    expect((await readOrcMetadata(p)).type).toBe('struct<a:decimal(38,38),b:decimal(1,0),c:decimal(0,0)>')
    expect(await collect(readOrc(p))).toEqual([{ a: new Decimal(1n, 38), b: new Decimal(7n, 0), c: new Decimal(5n, 0) }])
  })
})
