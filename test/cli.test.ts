/** The s3inv command, run as a child process against local files and the local S3 server. */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
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

  it('runtime dependencies take caret ranges (applications dedupe and take fixes); the lock file pins what is installed and tested', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'))
    const lock = JSON.parse(await readFile('package-lock.json', 'utf8'))
    const deps = Object.entries(pkg.dependencies as Record<string, string>)
    expect(deps.length).toBeGreaterThan(5)
    for (const [name, range] of deps) {
      expect(range, name).toMatch(/^\^\d+\.\d+\.\d+/)
      expect(lock.packages[''].dependencies[name], name).toBe(range)
      const locked = lock.packages[`node_modules/${name}`]?.version
      expect(locked, name).toMatch(/^\d+\.\d+\.\d+/)
      expect(JSON.parse(await readFile(`node_modules/${name}/package.json`, 'utf8')).version, name).toBe(locked)
      expect(locked.split('.')[0], name).toBe(range.slice(1).split('.')[0])
    }
  })

  it('s3inv starts without loading Arrow, the Parquet writer or the AWS SDK (each loads with the command that needs it)', async () => {
    const seen = new Set<string>()
    const external = new Set<string>()
    const walk = async (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = await readFile(path.join('dist', file), 'utf8')
      for (const m of text.matchAll(/^import\s+(?:[^"']*?\s+from\s+)?["']([^"']+)["'];?$/gm)) {
        if (m[1].startsWith('./')) await walk(m[1].slice(2))
        else external.add(m[1])
      }
    }
    await walk('cli.js')
    expect(external.has('commander')).toBe(true) // the walk sees the imports
    expect([...external].filter((e) => /apache-arrow|hyparquet|@aws-sdk/.test(e))).toEqual([])
  })

  it('the CLI uses only the public API: every library import in src/cli/ is from index.js', async () => {
    const files: string[] = []
    const list = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await list(path.join(dir, e.name))
        else if (e.name.endsWith('.ts')) files.push(path.join(dir, e.name))
      }
    }
    await list('src/cli')
    expect(files.length).toBeGreaterThan(10)
    const outside: string[] = []
    for (const file of files) {
      for (const m of (await readFile(file, 'utf8')).matchAll(/from '([^']+)'|import\('([^']+)'\)/g)) {
        const target = m[1] ?? m[2]
        if (!target.startsWith('.')) continue
        const resolved = path.relative('src', path.resolve(path.dirname(file), target))
        if (!resolved.startsWith('cli') && resolved !== 'index.js' && !resolved.endsWith('package.json')) outside.push(`${file}: ${target}`)
      }
    }
    expect(outside).toEqual([])
  })

  it('the README says which Node and AWS SDK versions are tested, and that SDK releases after early January 2027 need Node >= 22', async () => {
    const readme = await readFile('README.md', 'utf8')
    const sdk = JSON.parse(await readFile('node_modules/@aws-sdk/client-s3/package.json', 'utf8')).version
    expect(readme).toContain(`@aws-sdk/client-s3 ${sdk}`)
    expect(readme).toMatch(/Node(\.js)? 20/)
    expect(readme).toMatch(/first week of January 2027[^\n]*Node(\.js)? ?(>= ?|≥ ?)22/)
  })

  it('npm run demo prints the demo, not a build log, in under 5 s once built', async () => {
    // Never rebuild here (the build empties dist/ under the other test files): npm test builds first.
    const newest = async (dir: string): Promise<number> => {
      let t = 0
      for (const e of await readdir(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? await newest(path.join(dir, e.name)) : (await stat(path.join(dir, e.name))).mtimeMs)
      return t
    }
    const built = Math.min((await stat('dist/cli.js')).mtimeMs, (await stat('dist/index.js')).mtimeMs)
    const sources = Math.max(await newest('src'), (await stat('package.json')).mtimeMs, (await stat('tsup.config.ts')).mtimeMs)
    expect(built, 'dist/ is older than the sources: build first (npm test does)').toBeGreaterThanOrEqual(sources)
    const r = await new Promise<{ code: number | null; out: string; ms: number }>((resolve) => {
      const started = Date.now()
      const child = spawn('npm', ['run', '-s', 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('close', (code) => resolve({ code, out, ms: Date.now() - started }))
    })
    expect(r.code, r.out).toBe(0)
    expect(r.out).not.toMatch(/building|tsup|Build success|DTS|ESM|CJS/)
    expect(r.out).toMatch(/^\$ s3inv stats .*daily-csv\/ --by storage-class\n/)
    expect(r.out).toMatch(/^TOTAL\s+5,000\s/m)
    expect(r.out).toMatch(/^key,size,storageClass,lastModifiedDate$/m)
    expect(r.ms).toBeLessThan(5000)
  })
})
