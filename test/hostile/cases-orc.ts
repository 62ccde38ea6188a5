/**
 * Hostile ORC files, written by the fixture writer (fixtures/orc-writer.ts) with the field a hostile
 * file would set: each read through readOrc (or orcJsonLines, what `s3inv cat` prints) or through an
 * ORC inventory's manifest. Same shape as cases.ts.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { message, writeOrc, type OrcColumn, type OrcRow, type WriteOrcOptions } from '../../fixtures/orc-writer.js'
import { oneFileInventory } from '../support/one-file-inventory.js'
import type { HostileCase } from './cases.js'

const FILE = 'data.orc'

/** One ORC file in the folder. */
const orc = (columns: OrcColumn[], rows: OrcRow[], o: WriteOrcOptions = {}) => (dir: string) => writeFile(path.join(dir, FILE), writeOrc(columns, rows, o))

/** An ORC inventory delivery: the file and a manifest listing it with its real size and MD5. */
const orcInventory = (columns: OrcColumn[], rows: OrcRow[], o: WriteOrcOptions = {}) => async (dir: string) => {
  await oneFileInventory(dir, { name: FILE, bytes: writeOrc(columns, rows, o), fileFormat: 'ORC', fileSchema: `struct<${columns.map((c) => `${c.name}:${c.kind}`).join(',')}>` })
}

const lines = { kind: 'orc', file: FILE, lines: true } as const
const KEYS: OrcColumn[] = [{ name: 'key', kind: 'string' }]
/** The file's one stripe, and the footer, claim `n` rows. */
const claiming = (n: number): WriteOrcOptions => ({
  tamper: { footer: (f) => f.map((x) => (x[0] === 3 ? [3, Buffer.concat([x[1] as Buffer, message([5, n])])] : x[0] === 6 ? [6, n] : x)) },
})
const rows = (n: number, f: (i: number) => OrcRow) => Array.from({ length: n }, (_, i) => f(i))

export const ORC_CASES: HostileCase[] = [
  {
    name: 'orc-decimal-scale-1e9',
    what: 'a decimal type of scale 10^9 padded every value to a billion digits: 36 s, 669 MB, then an untyped RangeError',
    expected: 'ORC_CORRUPT',
    call: lines,
    write: orc([{ name: 'd', kind: 'decimal', precision: 38, scale: 1e9 }], rows(6000, (i) => ({ d: BigInt(i) }))),
  },
  {
    name: 'orc-timestamp-zone-out-of-range',
    what: 'timestamps of 10^15 s in a writer time zone: an untyped RangeError from the zone lookup (in UTC: printed as null)',
    expected: 'ORC_CORRUPT',
    call: lines,
    write: orc([{ name: 'ts', kind: 'timestamp' }], rows(2000, (i) => ({ ts: i < 1500 ? i * 1000 : 1e18 })), { writerTimezone: 'America/Los_Angeles' }),
  },
  {
    name: 'orc-inventory-timestamp-out-of-range',
    what: 'an inventory whose last_modified_date is 10^13 s: lastModifiedDate null in ls, an untyped RangeError in stats',
    expected: 'ORC_CORRUPT',
    call: { kind: 'inventory', manifest: 'manifest.json' },
    write: orcInventory(
      [{ name: 'bucket', kind: 'string' }, { name: 'key', kind: 'string' }, { name: 'last_modified_date', kind: 'timestamp' }],
      rows(20, (i) => ({ bucket: 'b', key: `k${i}`, last_modified_date: i === 7 ? 1e16 : Date.UTC(2024, 0, 1) })),
    ),
  },
  {
    name: 'orc-rows-claimed-no-columns',
    what: 'readOrc with columns [] of a stripe claiming 2^52 rows (s3inv cat --columns \'\' printed 1.5 billion {} lines)',
    expected: 'INVALID_ARGUMENT',
    call: { kind: 'orc', file: FILE, columns: [] },
    write: orc(KEYS, rows(100, (i) => ({ key: `k${i}` })), claiming(2 ** 52)),
  },
  {
    name: 'orc-inventory-rows-claimed-no-columns',
    what: 'a summary that needs no column (no Size, no grouping) over a stripe claiming 2^52 rows: the count was trusted',
    expected: 'ORC_CORRUPT',
    call: { kind: 'summarize', manifest: 'manifest.json' },
    write: orcInventory([{ name: 'bucket', kind: 'string' }, ...KEYS], rows(100, (i) => ({ bucket: 'b', key: `k${i}` })), claiming(2 ** 52)),
  },
  {
    name: 'orc-no-columns-rows-claimed',
    what: 'a struct<> file claiming 2^52 rows: nothing can confirm them',
    expected: 'LIMIT_EXCEEDED',
    call: { kind: 'orc', file: FILE },
    write: orc([], rows(10, () => ({})), claiming(2 ** 52)),
  },
  {
    name: 'orc-footer-length-beyond-file',
    what: 'a 1 KB file whose PostScript says the footer is 2^40 bytes: LIMIT_EXCEEDED, as if a real file were too large',
    expected: 'ORC_CORRUPT',
    call: { kind: 'orc', file: FILE },
    write: orc(KEYS, rows(20, (i) => ({ key: `k${i}` })), { compression: 'NONE', tamper: { postscript: (f) => f.map((x) => (x[0] === 1 ? [1, 2 ** 40] : x)) } }),
  },
  {
    name: 'orc-valid-control-decimals',
    what: 'a valid ORC file with decimals, dates and timestamps (the harness must read it)',
    expected: 'ok',
    call: lines,
    write: orc(
      [
        { name: 'd', kind: 'decimal', precision: 10, scale: 2 },
        { name: 'day', kind: 'date' },
        { name: 'ts', kind: 'timestamp' },
      ],
      rows(100, (i) => ({ d: BigInt(i * 101), day: i - 50, ts: new Date(Date.UTC(2024, 0, 1) + i * 1000) })),
      { writerTimezone: 'America/Los_Angeles' },
    ),
  },
]
