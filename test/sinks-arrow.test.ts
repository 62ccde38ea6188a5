/**
 * Arrow and Parquet export. Arrow: round trip through apache-arrow's own IPC reader (tableFromIPC).
 * Independent check: DuckDB (@duckdb/node-api) reads the Parquet export. DuckDB has no Arrow IPC file
 * reader without its `arrow` extension, which cannot be downloaded here, so the DuckDB check goes
 * through Parquet.
 */
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, createReadStream, existsSync, openSync } from 'node:fs'
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { Table, tableFromIPC, TimestampMillisecond, TimeUnit, Type } from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture, type Row } from '../fixtures/generate.js'
import { readInventory } from '../src/inventory.js'
import type { InventoryRow } from '../src/schema/row.js'
import { toArrow, writeArrowFile } from '../src/sinks/arrow.js'
import { writeParquetFile } from '../src/sinks/parquet.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'

const CLI = path.resolve('dist/cli.js')

/** A row as Arrow hands it back: bigint sizes, ms timestamps, null for missing. */
function asArrow(r: Row | InventoryRow, fields: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (const f of fields) {
    const v = r[f]
    o[f] = v === undefined ? null : v instanceof Date ? v.getTime() : f === 'size' ? BigInt(v as number) : v
  }
  return o
}

function tableRows(t: Table): Record<string, unknown>[] {
  const names = t.schema.fields.map((f) => f.name)
  const cols = names.map((n) => t.getChild(n)!)
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < t.numRows; i++) {
    const o: Record<string, unknown> = {}
    names.forEach((n, j) => (o[n] = cols[j].get(i)))
    out.push(o)
  }
  return out
}

async function duck<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    return await fn(c)
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

describe('Arrow and Parquet export', async () => {
  const root = await tmpDir('arrow')
  const rows = makeRows({ count: 1000, seed: 13, versioned: true })
  const fields = Object.keys(rows[0])
  let f: InventoryFixture

  beforeAll(async () => {
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [300, 0, 450, 250] })
  })

  it('toArrow: typed columns (dictionary strings, Int64 sizes, Timestamp(ms, UTC), Bool), nulls for undefined; round trip through IPC', async () => {
    const file = path.join(root, 'rows.arrows')
    const result = await writeArrowFile(readInventory(f.manifestPath), file, { batchSize: 128 })
    expect(result).toMatchObject({ rows: 1000, batches: 8 })
    const t = tableFromIPC(await readFile(file))
    expect(t.batches).toHaveLength(8)
    expect(t.batches.map((b) => b.numRows)).toEqual([128, 128, 128, 128, 128, 128, 128, 104])
    const type = (n: string) => t.schema.fields.find((x) => x.name === n)!.type
    expect(String(type('storageClass'))).toBe('Dictionary<Int32, Utf8>')
    expect(String(type('encryptionStatus'))).toBe('Dictionary<Int32, Utf8>')
    expect(String(type('bucket'))).toBe('Dictionary<Int32, Utf8>')
    expect(String(type('key'))).toBe('Utf8')
    expect(String(type('eTag'))).toBe('Utf8')
    expect(String(type('size'))).toBe('Int64')
    expect(String(type('isLatest'))).toBe('Bool')
    const ts = type('lastModifiedDate') as TimestampMillisecond
    expect([ts.typeId, ts.unit, ts.timezone]).toEqual([Type.Timestamp, TimeUnit.MILLISECOND, 'UTC'])
    expect(t.schema.fields.map((x) => x.name)).toEqual(fields)
    expect(tableRows(t)).toEqual(rows.map((r) => asArrow(r, fields)))
  })

  it('dictionaries persist across batches: the IPC stream sends deltas, not a new dictionary per batch', async () => {
    const classes = ['STANDARD', 'GLACIER', 'STANDARD', 'DEEP_ARCHIVE', 'GLACIER', 'STANDARD_IA']
    const src = classes.map((storageClass, i) => ({ bucket: 'b', key: `k${i}`, storageClass }) as InventoryRow)
    const file = path.join(root, 'dict.arrows')
    await writeArrowFile(src, file, { batchSize: 2, columns: ['key', 'storageClass'] })
    const t = tableFromIPC(await readFile(file))
    const dicts = t.getChild('storageClass')!.data.map((d) => d.dictionary!.toArray())
    expect(dicts).toEqual([['STANDARD', 'GLACIER'], ['STANDARD', 'GLACIER', 'DEEP_ARCHIVE'], ['STANDARD', 'GLACIER', 'DEEP_ARCHIVE', 'STANDARD_IA']])
    expect(t.getChild('storageClass')!.toArray()).toEqual(classes)
  })

  it('toArrow streams: the first batch comes after batchSize rows, not after the whole source', async () => {
    let pulled = 0
    function* source() {
      for (let i = 0; i < 10_000; i++) {
        pulled++
        yield { bucket: 'b', key: `k${i}`, size: i } as InventoryRow
      }
    }
    const it = toArrow(source(), { batchSize: 100 })[Symbol.asyncIterator]()
    const first = await it.next()
    expect(first.value!.numRows).toBe(100)
    expect(pulled).toBe(100)
    await it.return?.(undefined)
  })

  it('columns projects and orders the schema; an empty source gives a schema-only stream', async () => {
    const batches = await collect(toArrow(rows, { columns: ['size', 'key'], batchSize: 500 }))
    const t = new Table(batches)
    expect(t.schema.fields.map((x) => x.name)).toEqual(['size', 'key'])
    expect(tableRows(t)).toEqual(rows.map((r) => asArrow(r, ['size', 'key'])))

    const file = path.join(root, 'empty.arrows')
    expect(await writeArrowFile([], file, { columns: ['key', 'size'] })).toMatchObject({ rows: 0, batches: 0 })
    const empty = tableFromIPC(await readFile(file))
    expect(empty.numRows).toBe(0)
    expect(empty.schema.fields.map((x) => [x.name, String(x.type)])).toEqual([
      ['key', 'Utf8'],
      ['size', 'Int64'],
    ])
  })

  it('a failed export leaves the file that was there untouched and no temporary file; a missing folder is WRITE_FAILED', async () => {
    const dir = await tmpDir('export-fail')
    // Fails after several batches / row groups have reached the disk.
    async function* failing() {
      for (let i = 0; i < 5_000; i++) yield { bucket: 'b', key: `k${i}`, size: i } as InventoryRow
      throw new Error('source broke')
    }
    for (const [name, write] of [
      ['out.arrows', (f: string) => writeArrowFile(failing(), f, { batchSize: 100 })],
      ['out.parquet', (f: string) => writeParquetFile(failing(), f, { rowGroupSize: 100 })],
    ] as const) {
      const file = path.join(dir, name)
      await writeFile(file, 'the previous export')
      await expect(write(file)).rejects.toThrow('source broke')
      expect(await readFile(file, 'utf8')).toBe('the previous export')
      expect(await readdir(dir)).toEqual([name])
      await rm(file)
    }
    const missing = path.join(dir, 'no-such-folder', 'x.arrows')
    await expect(writeArrowFile([{ bucket: 'b', key: 'k' } as InventoryRow], missing)).rejects.toMatchObject({ code: 'WRITE_FAILED', key: missing })
    expect(await readdir(dir)).toEqual([])
  })

  it('an export replaces a file in place (mode kept, links followed), writes straight into a pipe, and refuses a folder', async () => {
    const dir = await tmpDir('export-targets')
    const some = rows.slice(0, 50) as unknown as InventoryRow[]
    const file = path.join(dir, 'old.arrows')
    await writeFile(file, 'old')
    await chmod(file, 0o640)
    const link = path.join(dir, 'link.arrows')
    await symlink(file, link)
    await writeArrowFile(some, link, { columns: ['key'] })
    expect((await lstat(link)).isSymbolicLink()).toBe(true)
    expect(tableFromIPC(await readFile(file)).numRows).toBe(50)
    expect((await stat(file)).mode & 0o777).toBe(0o640)
    expect((await readdir(dir)).sort()).toEqual(['link.arrows', 'old.arrows'])
    // A link whose target does not exist yet: the target is created, the link stays.
    const dangling = path.join(dir, 'dangling.arrows')
    await symlink('new.arrows', dangling)
    await writeArrowFile(some, dangling, { columns: ['key'] })
    expect((await lstat(dangling)).isSymbolicLink()).toBe(true)
    expect(tableFromIPC(await readFile(path.join(dir, 'new.arrows'))).numRows).toBe(50)
    await rm(dangling)
    await rm(path.join(dir, 'new.arrows'))

    const fifo = path.join(dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    const received = (async () => {
      const parts: Buffer[] = []
      for await (const c of createReadStream(fifo)) parts.push(c as Buffer)
      return Buffer.concat(parts)
    })()
    await writeArrowFile(some, fifo, { columns: ['key'] })
    expect(tableFromIPC(await received).numRows).toBe(50)
    expect((await lstat(fifo)).isFIFO()).toBe(true)

    const folder = path.join(dir, 'folder')
    await mkdir(folder)
    await expect(writeArrowFile(some, folder)).rejects.toMatchObject({ code: 'WRITE_FAILED', message: 'cannot write the output file', actual: 'EISDIR' })
    expect(await readdir(folder)).toEqual([])
    expect((await readdir(dir)).sort()).toEqual(['folder', 'link.arrows', 'old.arrows', 'pipe'])
  })

  it('a value of the wrong type is VALUE_INVALID naming the row', async () => {
    const bad = [{ bucket: 'b', key: 'weird', size: 1.5 } as InventoryRow]
    await expect(collect(toArrow(bad))).rejects.toMatchObject({ code: 'VALUE_INVALID', key: 'weird', column: 'size' })
  })

  it('Parquet: DuckDB reads the export; count, sum(size), dates, booleans and row groups match', async () => {
    const file = path.join(root, 'rows.parquet')
    const result = await writeParquetFile(readInventory(f.manifestPath), file, { rowGroupSize: 300 })
    expect(result).toMatchObject({ rows: 1000, batches: 4 })
    const sizes = rows.map((r) => r.size as number | undefined).filter((s): s is number => s !== undefined)
    const dates = rows.map((r) => (r.lastModifiedDate as Date).getTime())
    const got = await duck(async (c) => {
      const q = await c.runAndReadAll(
        `select count(*), sum(size), count(size), count(distinct key), min(epoch_ms(lastModifiedDate)), max(epoch_ms(lastModifiedDate)),
                count(*) filter (where isLatest), count(*) filter (where isDeleteMarker), count(versionId)
         from read_parquet('${file}')`,
      )
      const groups = await c.runAndReadAll(`select count(distinct row_group_id) from parquet_metadata('${file}')`)
      const keys = await c.runAndReadAll(`select key from read_parquet('${file}')`)
      return { stats: q.getRows()[0], groups: groups.getRows()[0][0], keys: keys.getRows().map((r) => r[0]) }
    })
    expect(got.stats).toEqual([
      1000n,
      // DuckDB's sum of BIGINT is a HUGEINT
      BigInt(sizes.reduce((a, b) => a + b, 0)),
      BigInt(sizes.length),
      BigInt(new Set(rows.map((r) => r.key)).size),
      BigInt(Math.min(...dates)),
      BigInt(Math.max(...dates)),
      BigInt(rows.filter((r) => r.isLatest === true).length),
      BigInt(rows.filter((r) => r.isDeleteMarker === true).length),
      BigInt(rows.filter((r) => r.versionId !== undefined).length),
    ])
    expect(got.groups).toBe(4n)
    expect(got.keys).toEqual(rows.map((r) => r.key))

    // No rows: still a valid file, with the requested columns.
    const empty = path.join(root, 'empty.parquet')
    expect(await writeParquetFile([], empty, { columns: ['key', 'size'] })).toMatchObject({ rows: 0, batches: 0 })
    const described = await duck(async (c) => ({
      count: (await c.runAndReadAll(`select count(*) from read_parquet('${empty}')`)).getRows()[0][0],
      columns: (await c.runAndReadAll(`describe select * from read_parquet('${empty}')`)).getRows().map((r) => [r[0], r[1]]),
    }))
    expect(described).toEqual({ count: 0n, columns: [['key', 'VARCHAR'], ['size', 'BIGINT']] })
  })

  describe('s3inv export', () => {
    const client = s3Client()
    let bucket = ''
    afterAll(() => client.destroy())
    beforeAll(async () => {
      bucket = await freshBucket(client, 'export')
      await putObjects(client, bucket, f.objects)
    })
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const env = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' }
        const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
        let stderr = ''
        child.stderr.on('data', (d) => (stderr += d))
        child.on('close', (code) => resolve({ code, stderr }))
      })

    it('--format arrow from s3:// writes an IPC stream of the filtered rows', async () => {
      const out = path.join(root, 'cli.arrows')
      const { code, stderr } = await run(['export', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint'), '--format', 'arrow', '--out', out, '--min-size', '1GB', '--columns', 'key,size,storageClass'])
      expect(code, stderr).toBe(0)
      const want = rows.filter((r) => (r.size as number | undefined) !== undefined && (r.size as number) >= 1e9)
      expect(want.length).toBeGreaterThan(50)
      expect(tableRows(tableFromIPC(await readFile(out)))).toEqual(want.map((r) => asArrow(r, ['key', 'size', 'storageClass'])))
      expect(stderr).toMatch(new RegExp(`^s3inv: wrote ${want.length} rows \\(1 record batches, \\d+ bytes\\) to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
    })

    it('--format parquet writes a file DuckDB reads', async () => {
      const out = path.join(root, 'cli.parquet')
      const { code, stderr } = await run(['export', f.manifestPath, '--format', 'parquet', '--out', out, '--batch-size', '256'])
      expect(code, stderr).toBe(0)
      const [count, sum] = await duck(async (c) => (await c.runAndReadAll(`select count(*), sum(size) from read_parquet('${out}')`)).getRows()[0])
      expect(count).toBe(1000n)
      expect(sum).toBe(BigInt(rows.reduce((a, r) => a + ((r.size as number | undefined) ?? 0), 0)))
    })

    it('a failed export exits 1 and leaves no partial file', async () => {
      const manifest = JSON.parse(f.manifestBytes.toString())
      manifest.files[2].MD5checksum = '0'.repeat(32)
      const broken = path.join(path.dirname(f.manifestPath), 'broken.json')
      await writeFile(broken, JSON.stringify(manifest))
      const out = path.join(root, 'broken.arrows')
      const { code, stderr } = await run(['export', broken, '--format', 'arrow', '--out', out, '--batch-size', '10'])
      expect(code).toBe(1)
      expect(stderr).toMatch(/^s3inv: DATA_CHECKSUM_MISMATCH: /m)
      expect(existsSync(out)).toBe(false)
      expect((await readdir(root)).filter((f) => f.startsWith('broken.arrows'))).toEqual([])
    })

    it('--out /dev/stdout writes into the file stdout is redirected to, without replacing it', async () => {
      const out = path.join(root, 'redirected.arrows')
      await writeFile(out, '')
      const before = (await stat(out)).ino
      const fd = openSync(out, 'a')
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'export', f.manifestPath, '--format', 'arrow', '--out', '/dev/stdout', '--quiet'], { stdio: ['ignore', fd, 'inherit'] })
        child.on('close', resolve)
      })
      closeSync(fd)
      expect(code).toBe(0)
      expect((await stat(out)).ino).toBe(before)
      expect(tableFromIPC(await readFile(out)).numRows).toBe(rows.length)
    })

    it('--format is required and checked', async () => {
      const { code, stderr } = await run(['export', f.manifestPath, '--format', 'csv', '--out', path.join(root, 'x')])
      expect(code).toBe(2)
      expect(stderr).toBe('s3inv: bad value for --format: "csv" (expected one of arrow, parquet)\nsee `s3inv export --help`\n')
      const missing = await run(['export', f.manifestPath, '--out', path.join(root, 'x')])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toBe("s3inv: required option '--format <format>' not specified\nsee `s3inv export --help`\n")
    })
  })
})
