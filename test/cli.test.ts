/** The s3inv command, run as a child process against local files and the local S3 server. */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { runCli as run, s3env } from './support/cli.js'
import { tmpDir } from './support/tmp.js'



describe('s3inv ls', async () => {
  const root = await tmpDir('cli')
  const rows = makeRows({ count: 300, seed: 5 })
  let f: InventoryFixture
  let bucket = ''

  beforeAll(async () => {
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [100] })
    const client = s3Client()
    bucket = await freshBucket(client, 'cli')
    await putObjects(client, bucket, f.objects)
    client.destroy()
  })

  const expectedNdjson = () => rows.map((r) => JSON.parse(JSON.stringify(r)))

  it('prints every row as NDJSON from a local manifest', async () => {
    const { code, stdout, stderr } = await run(['ls', f.manifestPath])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(expectedNdjson())
  })
  it('prints the same rows from s3:// through --endpoint-url', async () => {
    const { code, stdout, stderr } = await run(['ls', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint')], s3env)
    expect(code, stderr).toBe(0)
    expect(stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(expectedNdjson())
  })
  it('fails with one line "s3inv: CODE: message" and exit 1', async () => {
    const { code, stdout, stderr } = await run(['ls', path.join(root, 'missing', 'manifest.json')])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^s3inv: NOT_FOUND: file not found \(.*missing\/manifest\.json\)\n$/)
  })
  it('a usage error exits 2 with one line and where the help is (not the help itself)', async () => {
    const { code, stdout, stderr } = await run(['ls', f.manifestPath, '--bogus'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe("s3inv: unknown option '--bogus'\nsee `s3inv ls --help`\n")
  })
})

describe('the built package', () => {
  const demo = path.resolve('fixtures/demo/example-inventory-destination/inventory/example-source-bucket/daily-csv/2026-11-20T01-00Z/manifest.json')
  const count = (loader: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['-e', loader], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('close', (code) => resolve({ code, out: out.trim() }))
    })
  it.each([
    ['CommonJS (require)', `const { readInventory } = require(${JSON.stringify(path.resolve('dist/index.cjs'))});`],
    ['ESM (import)', `const { readInventory } = await import(${JSON.stringify(path.resolve('dist/index.js'))});`],
  ])('loads and reads the bundled demo inventory through %s, on the worker-thread path', async (_, load) => {
    const body = `(async () => { ${load} let n = 0; for await (const r of readInventory(${JSON.stringify(demo)}, { workers: true })) n++; console.log(n) })()`
    expect(await count(body)).toEqual({ code: 0, out: '5000' })
  })

  it('every file package.json points to (exports, main, module, types, bin) is built', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'))
    const targets = new Set<string>()
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.add(v)
      else if (v && typeof v === 'object') Object.values(v).forEach(walk)
    }
    walk([pkg.exports, pkg.main, pkg.module, pkg.types, pkg.bin])
    expect([...targets].filter((t) => t.startsWith('./dist/')).length).toBeGreaterThanOrEqual(5)
    expect([...targets].filter((t) => !existsSync(path.resolve(t)))).toEqual([])
  })
})
