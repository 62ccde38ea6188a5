/**
 * `npm run demo`: the CLI on the bundled fixture inventory. Builds first only when dist/ is missing or
 * older than the sources, and quietly (the build log is shown only if the build fails), so what prints
 * is the demo itself.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const mtime = (p) => {
  try {
    return statSync(p).mtimeMs
  } catch {
    return -1
  }
}
const newest = (dir) => Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : mtime(path.join(dir, e.name)))))

const built = Math.min(mtime(path.join(root, 'dist/cli.js')), mtime(path.join(root, 'dist/index.js')))
if (built < Math.max(newest(path.join(root, 'src')), mtime(path.join(root, 'package.json')), mtime(path.join(root, 'tsup.config.ts')))) {
  process.stderr.write('building dist/ (once)…\n')
  const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, encoding: 'utf8' })
  if (b.status !== 0) {
    process.stderr.write(`${b.stdout}${b.stderr}`)
    process.exit(b.status ?? 1)
  }
}

const demo = 'fixtures/demo/example-inventory-destination/inventory/example-source-bucket'
const commands = [
  ['stats', `${demo}/daily-csv/`, '--by', 'storage-class'],
  ['ls', `${demo}/daily-parquet/`, '--suffix', '.png', '--min-size', '1GB', '--columns', 'key,size,storageClass,lastModifiedDate', '--format', 'csv'],
]
for (const [i, args] of commands.entries()) {
  process.stdout.write(`${i ? '\n' : ''}$ s3inv ${args.join(' ')}\n`)
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
