/**
 * The public API (src/index.ts) holds what users need: every value it exports is documented (README.md or
 * docs/*.md) or used by the CLI, which is built on the public API only. Anything else is dropped, with a
 * CHANGELOG entry saying what to use instead.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const read = (dir: string, ext: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(ext))
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n')


describe('public API', () => {
  it('every value export is documented or used by the CLI', () => {
    const docs = [readFileSync('README.md', 'utf8'), read('docs', '.md')].join('\n')
    const cli = read('src/cli', '.ts')
    const named = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text)
    const orphans = Object.keys(api).filter((name) => !named(docs, name) && !named(cli, name))
    expect(orphans).toEqual([])
  })

  it('internal helpers are not exported; what replaces them is', () => {
    for (const gone of ['globToRegExp', 'deliveryDate', 'taskErrorCode', 'describeError', 'SHARD_TYPE', 'MANIFEST_FORMAT', 'BATCH_PRICES_AS_OF']) {
      expect(api, gone).not.toHaveProperty(gone)
    }
    for (const kept of ['isInventoryError', 'encodeManifestKey', 'KNOWN_FIELD_NAMES', 'float32Text', 'parseShard', 'ARN_PARTITIONS']) {
      expect(api, kept).toHaveProperty(kept)
    }
    const changelog = readFileSync('CHANGELOG.md', 'utf8')
    for (const gone of ['globToRegExp', 'deliveryDate', 'taskErrorCode', 'describeError', 'SHARD_TYPE', 'MANIFEST_FORMAT', 'BATCH_PRICES_AS_OF']) expect(changelog, gone).toContain(`\`${gone}\``)
  })
})
