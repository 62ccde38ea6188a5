/**
 * Usage errors, as the CLI prints them: every flag value (dates, sizes, regexes, globs, names, numbers
 * in the library's ranges, cursors) is checked before any I/O — the location given here does not
 * exist, so reaching I/O would be NOT_FOUND with exit 1 — and reported as one line naming the flag and
 * what it accepts, then "see `s3inv <cmd> --help`", exit 2, nothing on stdout.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli as run } from './support/cli.js'
import { tmpDir } from './support/tmp.js'

describe('s3inv usage errors', async () => {
  const root = await tmpDir('cli-usage')
  const missing = path.join(root, 'no-such-folder', 'manifest.json')

  const cases: [string, string[], string][] = [
    ['ls', ['--modified-after', '2021-13-01'], 'bad value for --modified-after: "2021-13-01" (expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z)'],
    ['ls', ['--modified-before', '2026-02-30'], 'bad value for --modified-before: "2026-02-30" (expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z)'],
    ['ls', ['--min-size', '12xyz'], 'bad value for --min-size: "12xyz" (expected e.g. 10MB, 1.5GiB)'],
    ['stats', ['--max-size', '-5'], 'bad value for --max-size: "-5" (expected e.g. 10MB, 1.5GiB)'],
    ['ls', ['--regex', 'a(b'], 'bad value for --regex: "a(b" (Invalid regular expression: /a(b/u: Unterminated group)'],
    ['ls', ['--concurrency', '1e9'], 'bad value for --concurrency: "1e9" (expected an integer from 1 to 64)'],
    ['export', ['--format', 'parquet', '--out', 'x', '--concurrency', '0'], 'bad value for --concurrency: "0" (expected an integer from 1 to 64)'],
    ['ls', ['--progress-interval', 'soon'], 'bad value for --progress-interval: "soon" (expected an integer from 10 to 3,600,000)'],
    ['ls', ['--format', 'xml'], 'bad value for --format: "xml" (expected one of ndjson, csv, tsv, keys, s3url)'],
    ['ls', ['--start-after', 'v1.abc.0.5'], 'bad value for --start-after: "v1.abc.0.5" (expected v1.<md5>.<file>.<row>)'],
    ['ls', ['--cursor-file', 'c', '--cursor-every', '0'], 'bad value for --cursor-every: "0" (expected an integer from 1 to 1,000,000,000)'],
    ['stats', ['--by', 'prefix:x'], 'bad value for --by: "prefix:x" (expected prefix:N with N ≥ 1)'],
    ['stats', ['--by', 'modified:week'], 'bad value for --by: "modified:week" (expected modified:day, modified:month or modified:year)'],
    ['stats', ['--by', 'size:pow3'], 'bad value for --by: "size:pow3" (expected size, size:pow2 or size:pow10)'],
    ['ls', ['--glob', '[z-a]'], 'bad value for --glob: "[z-a]" (Invalid regular expression: /^[z-a]$/su: Range out of order in character class)'],
    ['stats', ['--sort', 'size'], 'bad value for --sort: "size" (expected one of count, bytes, key)'],
    ['stats', ['--top', '-1'], 'bad value for --top: "-1" (expected an integer from 0 to 1,000,000)'],
    ['deliveries', ['--before', '2021-13-01'], 'bad value for --before: "2021-13-01" (expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z)'],
    ['latest', ['--before', 'yesterday'], 'bad value for --before: "yesterday" (expected an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z)'],
    ['export', ['--format', 'arrow', '--out', 'x', '--batch-size', '0'], 'bad value for --batch-size: "0" (expected an integer from 1 to 1,000,000)'],
    ['enqueue', ['--queue-url', 'https://sqs.us-east-1.amazonaws.com/1/q', '--keys-per-message', '0'], 'bad value for --keys-per-message: "0" (expected an integer from 1 to 100,000)'],
    ['enqueue', ['--queue-url', 'https://sqs.us-east-1.amazonaws.com/1/q', '--max-message-bytes', '2MiB'], 'bad value for --max-message-bytes: "2MiB" (expected e.g. 10MB, 1.5GiB, from 1,024 to 1,048,576 bytes)'],
    ['enqueue', ['--queue-url', 'not a url'], 'bad value for --queue-url: "not a url" (expected a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/work)'],
    ['report', ['--status', 'cancelled'], 'bad value for --status: "cancelled" (expected one of succeeded, failed)'],
    ['estimate', ['--lambda-ms', '1000000', '--lambda-memory', '128'], 'bad value for --lambda-ms: "1000000" (expected an integer from 1 to 900,000)'],
    ['manifest', ['--out', 'x', '--glob', '[', '--concurrency', '65'], 'bad value for --concurrency: "65" (expected an integer from 1 to 64)'],
    ['manifest', ['--out', 's3://jobs/m3.csv', '--partition', 'mars'], 'bad value for --partition: "mars" (expected one of aws, aws-cn, aws-us-gov)'],
    // The cursor file's folder is checked as the flag is read, not after every row is printed.
    ['ls', ['--cursor-file', path.join(root, 'no-such-dir', 'c')], `bad value for --cursor-file: ${JSON.stringify(path.join(root, 'no-such-dir', 'c'))} (expected a file in a folder that exists and can be written: ${path.join(root, 'no-such-dir')} does not exist)`],
    ['export', ['--format', 'arrow', '--out', 'x', '--cursor-file', root], `bad value for --cursor-file: ${JSON.stringify(root)} (expected a file in a folder that exists and can be written: ${root} is a folder)`],
    // Combinations that cannot work.
    ['ls', ['--min-size', '2MB', '--max-size', '1MB'], '--min-size (2000000 bytes) is larger than --max-size (1000000 bytes): nothing can match'],
    ['ls', ['--modified-after', '2026-02-01', '--modified-before', '2026-01-01'], '--modified-after 2026-02-01 is not before --modified-before 2026-01-01: nothing can match'],
    ['ls', ['-0'], '-0 applies to --format keys and s3url, not ndjson'],
    ['ls', ['--format', 'keys', '--columns', 'size'], '--columns does not apply to --format keys'],
    ['enqueue', ['--queue-url', 'https://sqs.us-east-1.amazonaws.com/1/q', '--shards', '--prefix', 'a/'], '--shards sends whole data files: filters and --keys-per-message do not apply (filter in the workers)'],
    ['estimate', ['--lambda-memory', '128'], '--lambda-memory and --lambda-ms go together'],
    // commander's own errors, one line too.
    ['ls', ['--bogus'], "unknown option '--bogus'"],
    ['export', ['--format', 'arrow'], "required option '--out <file>' not specified"],
  ]
  for (const [cmd, flags, line] of cases) {
    it(`${cmd} ${flags.join(' ')}: exit 2 before any I/O`, async () => {
      const location = cmd === 'deliveries' || cmd === 'latest' ? path.dirname(missing) : missing
      const r = await run([cmd, location, ...flags])
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(`s3inv: ${line}\nsee \`s3inv ${cmd} --help\`\n`)
      expect(r.code).toBe(2)
    })
  }

  it('UNKNOWN_FIELD for --by and --columns is a usage error with the valid names and a suggestion', async () => {
    for (const [cmd, flag, value, hint] of [
      ['stats', '--by', 'sise', 'size'],
      ['ls', '--columns', 'key,storage_clas', 'storageClass'],
      ['export', '--columns', 'Sizee', 'size'],
    ]) {
      const extra = cmd === 'export' ? ['--format', 'arrow', '--out', 'x'] : []
      const r = await run([cmd, missing, flag, value, ...extra])
      expect(r.code, `${cmd} ${flag}`).toBe(2)
      expect(r.stdout).toBe('')
      const [first, second, ...rest] = r.stderr.split('\n')
      const what = flag === '--by' ? 'a grouping or an inventory field' : 'an inventory field'
      const first_ = flag === '--by' ? 'extension, extension:lower, prefix:N, ' : 'bucket, key, '
      expect(first).toMatch(new RegExp(`^s3inv: bad value for ${flag}: ".+" is not ${what}; did you mean ${hint}\\? \\(expected one of ${first_}`))
      expect(second).toBe(`see \`s3inv ${cmd} --help\``)
      expect(rest).toEqual([''])
    }
  })

  it('--by lists the groupings it accepts, not only field names (the line is clipped: they come first)', async () => {
    for (const [value, near] of [['foo', ''], ['extention', '; did you mean extension?']]) {
      const r = await run(['stats', missing, '--by', value])
      expect(r.code).toBe(2)
      const first = r.stderr.split('\n')[0]
      expect(first).toContain(`bad value for --by: "${value}" is not a grouping or an inventory field${near} (expected one of extension, extension:lower, prefix:N, modified:day|month|year, size:pow2|pow10, bucket, key, `)
      expect(first).toContain('storageClass')
    }
  })

  it('a missing argument, an unknown command and the bare program are usage errors too; --help is not', async () => {
    const noArg = await run(['ls'])
    expect([noArg.code, noArg.stderr]).toEqual([2, "s3inv: missing required argument 'location'\nsee `s3inv ls --help`\n"])
    const typo = await run(['lss', missing])
    expect([typo.code, typo.stderr]).toEqual([2, "s3inv: unknown command 'lss' (Did you mean ls?)\nsee `s3inv --help`\n"])
    const bare = await run([])
    expect(bare.code).toBe(2)
    expect(bare.stdout).toBe('')
    expect(bare.stderr).toBe(
      'usage: s3inv <command> [options]\ncommands: ls, stats, latest, deliveries, export, manifest, enqueue, estimate, report, db-uri, cat, diff, sql, html\nsee `s3inv --help` (or `s3inv <command> --help`)\n',
    )
    const full = await run(['--help'])
    expect(full.code).toBe(0)
    expect(full.stdout).toContain('Usage: s3inv [options] [command]')
    expect(full.stdout.split('\n').length).toBeGreaterThan(20)
    const help = await run(['stats', '--help'])
    expect(help.code).toBe(0)
    expect(help.stderr).toBe('')
    expect(help.stdout).toContain('--sort <order>')
  })
})
