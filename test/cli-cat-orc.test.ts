/**
 * `s3inv cat` over ORC files through the built CLI (dist/cli.js): Apache ORC's example files print
 * what Apache's own tools print (expected/*.jsn.gz, compared value by value without doubles), a
 * projection, an empty one refused as a usage error, and an ORC data file on the local S3 server,
 * verified against its manifest entry (also on S3).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ALL_FIELDS, makeRows, orcBytes } from '../fixtures/generate.js'
import { orcJsonLines } from '../src/formats/orc/index.js'
import { runCli, s3env } from './support/cli.js'
import { losslessDiff, parseLossless } from './support/lossless-json.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'

const APACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/real-samples/apache-orc')
const present = existsSync(APACHE)
if (!present) console.warn(`cat over Apache's ORC examples: skipped — ${APACHE} is absent (CI provides ../shared/real-samples)`)

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const expectedRows = (name: string) => gunzipSync(readFileSync(path.join(APACHE, `expected/${name}.jsn.gz`))).toString('utf8').split('\n').filter(Boolean)

/** The first row whose printed value differs from Apache's, or undefined. */
function firstDifference(stdout: string, expected: string[]): string | undefined {
  const lines = stdout.split('\n').slice(0, -1)
  if (lines.length !== expected.length) return `${lines.length} lines, Apache's tools print ${expected.length}`
  for (let i = 0; i < lines.length; i++) {
    const d = losslessDiff(parseLossless(lines[i]), parseLossless(expected[i]))
    if (d) return `row ${i}: ${d}\nours:     ${lines[i].slice(0, 300)}\nexpected: ${expected[i].slice(0, 300)}`
  }
  return undefined
}

describe.skipIf(!present)("s3inv cat over Apache ORC's examples prints their expected/*.jsn.gz", () => {
  // Every primitive type, nested types and the 0.11 format; timestamps in a writer zone before 1970; unions and decimals; LZ4.
  it.each(['TestOrcFile.test1', 'orc-file-11-format', 'TestOrcFile.testDate1900', 'TestOrcFile.testUnionAndTimestamp', 'decimal', 'TestVectorOrcFile.testLz4'])('%s', async (name) => {
    const { code, stdout, stderr } = await runCli(['cat', path.join(APACHE, `${name}.orc`)])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(firstDifference(stdout, expectedRows(name))).toBeUndefined()
  }, 60_000)

  it('--columns prints those fields of every row; an empty --columns is a usage error', async () => {
    const file = path.join(APACHE, 'TestOrcFile.columnProjection.orc')
    const { code, stdout } = await runCli(['cat', file, '--columns', 'string1'])
    expect(code).toBe(0)
    const expected = expectedRows('TestOrcFile.columnProjection').map((l) => JSON.stringify({ string1: JSON.parse(l).string1 }).replace(':', ': '))
    expect(stdout).toBe(`${expected.join('\n')}\n`)
    const empty = await runCli(['cat', file, '--columns', ''])
    expect(empty.code).toBe(2)
    expect(empty.stdout).toBe('')
    expect(empty.stderr).toMatch(/^s3inv: bad value for --columns: .*\nsee `s3inv cat --help`\n$/)
  })
})

describe('s3inv cat of an ORC data file on S3, verified against its manifest', async () => {
  const root = await tmpDir('cat-orc')
  const bytes = orcBytes(makeRows({ count: 5000, seed: 31, versioned: true }), ALL_FIELDS, { stripeRows: 2000 })
  const file = path.join(root, 'data.orc')
  const client = s3Client()
  let bucket = ''
  let expected = ''
  afterAll(() => client.destroy())

  /** A manifest listing the file under `key` with `md5sum`. */
  const manifest = (key: string, md5sum: string) =>
    Buffer.from(
      JSON.stringify({
        sourceBucket: 'src',
        destinationBucket: 'arn:aws:s3:::dest',
        version: '2016-11-30',
        creationTimestamp: '1',
        fileFormat: 'ORC',
        fileSchema: 'struct<bucket:string,key:string>',
        files: [{ key, size: bytes.length, MD5checksum: md5sum }],
      }),
    )

  beforeAll(async () => {
    await writeFile(file, bytes)
    await writeFile(path.join(root, 'good.json'), manifest('inv/data/data.orc', md5(bytes)))
    await writeFile(path.join(root, 'bad.json'), manifest('inv/data/data.orc', 'f'.repeat(32)))
    bucket = await freshBucket(client, 'cat-orc')
    await putObjects(client, bucket, [
      ['inv/data/data.orc', bytes],
      ['inv/good.json', manifest('inv/data/data.orc', md5(bytes))],
      ['inv/bad.json', manifest('inv/data/data.orc', 'f'.repeat(32))],
    ])
    expected = (await collect(orcJsonLines(file))).map((l) => `${l}\n`).join('')
  })

  it('locally: the rows as the printer gives them; --manifest verifies (nothing printed on a mismatch); --no-verify skips it', async () => {
    const plain = await runCli(['cat', file])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toBe(expected)
    expect(plain.stdout.split('\n')).toHaveLength(5001)
    const ok = await runCli(['cat', file, '--manifest', path.join(root, 'good.json')])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toBe(expected)
    const bad = await runCli(['cat', file, '--manifest', path.join(root, 'bad.json')])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^s3inv: DATA_CHECKSUM_MISMATCH: /)
    expect(bad.stdout).toBe('')
    const unverified = await runCli(['cat', file, '--manifest', path.join(root, 'bad.json'), '--no-verify'])
    expect(unverified.code).toBe(0)
    expect(unverified.stdout).toBe(expected)
  })

  it('from s3:// (ranged reads through the SDK), with and without a manifest on S3', async () => {
    const endpoint = ['--endpoint-url', inject('s3Endpoint')]
    const url = `s3://${bucket}/inv/data/data.orc`
    const plain = await runCli(['cat', url, ...endpoint], s3env)
    expect(plain.stderr).not.toContain('s3inv:')
    expect(plain.code).toBe(0)
    expect(plain.stdout).toBe(expected)
    const ok = await runCli(['cat', url, '--manifest', `s3://${bucket}/inv/good.json`, ...endpoint], s3env)
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toBe(expected)
    const bad = await runCli(['cat', url, '--manifest', `s3://${bucket}/inv/bad.json`, ...endpoint], s3env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/s3inv: DATA_CHECKSUM_MISMATCH: /)
    expect(bad.stdout).toBe('')
    const projected = await runCli(['cat', url, '--columns', 'key,size', ...endpoint], s3env)
    expect(projected.code, projected.stderr).toBe(0)
    expect(projected.stdout.split('\n')[0]).toMatch(/^\{"key": ".+", "size": (\d+|null)\}$/)
  })
})
