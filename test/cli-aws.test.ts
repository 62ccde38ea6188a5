/**
 * AWS defaults of the CLI, like aws-cli's: no region configured means us-east-1 for S3, with S3's
 * region redirects followed (a bucket "in eu-west-1" behind a proxy that answers 301 like S3); a
 * missing profile or missing credentials are one CREDENTIALS_MISSING line naming what was looked for,
 * the code printed once; the SDK's Node-version warning is not printed, every other warning is.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { regionFromFlags, s3ConfigFromFlags } from '../src/cli/aws.js'
import { CLI } from './support/cli.js'
import { startRegionProxy, type RegionProxy } from './support/region-proxy.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

/** The CLI with nothing from this machine's AWS setup: only PATH, a HOME of our own, and `env`. */
function runClean(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const KEYS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }

describe('s3inv and AWS', async () => {
  const root = await tmpDir('cli-aws')
  const home = path.join(root, 'home')
  const rows = makeRows({ count: 500, seed: 41, hardKeys: false })
  let f: InventoryFixture
  let bucket = ''
  let proxy: RegionProxy

  beforeAll(async () => {
    await mkdir(path.join(home, '.aws'), { recursive: true })
    await writeFile(path.join(home, '.aws', 'config'), '[default]\noutput = json\n\n[profile work]\nregion = eu-central-1\ns3 =\n  max_concurrent_requests = 20\n\n[sso-session corp]\nsso_region = us-west-2\n')
    await writeFile(path.join(home, '.aws', 'credentials'), '[ci]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n')
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [200] })
    const client = s3Client()
    bucket = await freshBucket(client, 'cli-aws')
    await putObjects(client, bucket, f.objects)
    client.destroy()
    proxy = await startRegionProxy(inject('s3Endpoint'), 'eu-west-1')
  })
  afterAll(() => proxy?.close())

  describe('the client configuration', () => {
    const env = (more: Record<string, string> = {}) => ({ HOME: home, ...more })
    it('no region anywhere: us-east-1, with region redirects on', () => {
      const c = s3ConfigFromFlags({}, { HOME: path.join(root, 'nowhere') })
      expect(c.region).toBe('us-east-1')
      expect(c.followRegionRedirects).toBe(true)
    })
    it('--region, then AWS_REGION / AWS_DEFAULT_REGION, then the profile, then us-east-1', () => {
      expect(regionFromFlags({ region: 'ap-south-1' }, env({ AWS_REGION: 'eu-west-3' }), 'us-east-1')).toBe('ap-south-1')
      expect(regionFromFlags({}, env({ AWS_REGION: 'eu-west-3' }), 'us-east-1')).toBe('eu-west-3')
      expect(regionFromFlags({}, env({ AWS_DEFAULT_REGION: 'sa-east-1' }), 'us-east-1')).toBe('sa-east-1')
      expect(regionFromFlags({ profile: 'work' }, env(), 'us-east-1')).toBe('eu-central-1')
      expect(regionFromFlags({}, env({ AWS_PROFILE: 'work' }), 'us-east-1')).toBe('eu-central-1')
      expect(regionFromFlags({ profile: 'ci' }, env(), 'us-east-1')).toBe('us-east-1') // a credentials-only profile
      expect(regionFromFlags({}, env(), 'us-east-1')).toBe('us-east-1')
    })
    it('a profile that is not there is CREDENTIALS_MISSING naming it and both files; [sso-session …] is not a profile', () => {
      for (const name of ['nope', 'corp']) {
        expect(() => regionFromFlags({ profile: name }, env(), 'us-east-1')).toThrow(
          expect.objectContaining({ code: 'CREDENTIALS_MISSING', option: '--profile', actual: name, expected: `a [profile ${name}] section in ${path.join(home, '.aws', 'config')} or a [${name}] section in ${path.join(home, '.aws', 'credentials')}` }),
        )
      }
      // AWS_PROFILE with keys in the environment: the keys are used (as the SDK does), no error.
      expect(regionFromFlags({}, env({ AWS_PROFILE: 'nope', ...KEYS }), 'us-east-1')).toBe('us-east-1')
      expect(() => regionFromFlags({}, env({ AWS_PROFILE: 'nope' }), 'us-east-1')).toThrow(expect.objectContaining({ code: 'CREDENTIALS_MISSING', option: 'AWS_PROFILE' }))
      // --no-sign-request needs no profile.
      expect(regionFromFlags({ profile: 'nope', signRequest: false }, env(), 'us-east-1')).toBe('us-east-1')
    })
  })

  it('no region configured: reads a bucket in another region by following its 301 (signed for us-east-1 first, then eu-west-1)', async () => {
    const before = proxy.signedFor.length
    const r = await runClean(['ls', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', proxy.url, '--format', 'keys'], { HOME: path.join(root, 'nowhere'), ...KEYS })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(rows.map((x) => `${x.key}\n`).join(''))
    const seen = proxy.signedFor.slice(before)
    expect(seen[0]).toBe('us-east-1')
    expect(seen.filter((s) => s === 'eu-west-1').length).toBeGreaterThanOrEqual(1 + 3) // the manifest and 3 data files
  })

  it('an unknown --profile is one line, exit 1, before any request', async () => {
    const r = await runClean(['ls', `s3://${bucket}/${f.manifestKey}`, '--profile', 'nope', '--endpoint-url', 'http://127.0.0.1:9'], { HOME: home })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `s3inv: CREDENTIALS_MISSING: the AWS profile "nope" does not exist (--profile; expected a [profile nope] section in ${path.join(home, '.aws', 'config')} or a [nope] section in ${path.join(home, '.aws', 'credentials')}; got nope)\n`,
    )
  })

  it('no credentials anywhere: one CREDENTIALS_MISSING line saying where they were looked for, the code once', async () => {
    const r = await runClean(['ls', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint')], { HOME: path.join(root, 'nowhere') })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^s3inv: CREDENTIALS_MISSING: no AWS credentials were found \(s3:\/\/.+manifest\.json; expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile \(AWS_PROFILE, ~\/\.aws\/credentials, ~\/\.aws\/config\), SSO, web identity, or a container or instance role; got /)
    expect(lines[0].match(/CREDENTIALS_MISSING/g)).toHaveLength(1)
    expect(lines[0]).not.toMatch(/S3_ERROR/)
  })

  it("the SDK's NodeVersionSupportWarning is not printed by the CLI; other warnings still are", async () => {
    const major = Number(process.versions.node.split('.')[0])
    // The SDK does print it here (so the CLI test below means something) — on Node < 22 only.
    const sdk = spawnSync(process.execPath, ['-e', "new (require('@aws-sdk/client-s3').S3Client)({ region: 'us-east-1' })"], { encoding: 'utf8' })
    if (major < 22) expect(sdk.stderr).toContain('NodeVersionSupportWarning')
    const hook = path.join(root, 'warn.cjs')
    await writeFile(hook, "process.once('beforeExit', () => process.emitWarning('a test warning', 'TestWarning'))\n")
    const r = await runClean(['ls', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint'), '--format', 'keys'], { HOME: home, ...KEYS, AWS_REGION: 'us-east-1', NODE_OPTIONS: `--require ${hook}` })
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')).toHaveLength(rows.length + 1)
    expect(r.stderr).not.toContain('NodeVersionSupportWarning')
    expect(r.stderr).toContain('TestWarning: a test warning')
  })
})
