/**
 * databaseUri / readDatabaseUri / `s3inv db-uri`.
 *
 * No Secrets Manager server on npm works here (none that speaks the current SDK's JSON protocol and
 * runs on Node 20), so readDatabaseUri is tested with aws-sdk-client-mock, and the CLI (a child
 * process, where a client mock cannot reach) against a few lines of HTTP below that answer
 * `secretsmanager.GetSecretValue` in the AWS JSON 1.1 protocol.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { mockClient } from 'aws-sdk-client-mock'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseUri, readDatabaseUri } from '../src/db-uri.js'
import { S3InventoryError } from '../src/errors.js'
import { runCli } from './support/cli.js'

const RESERVED = `p@ss:w/o?r#d[1]%25&=+ sp ace!'()*~$,;"<>\\^\`{|}é😀`

/** No lone surrogates (String.prototype.isWellFormed is ES2024, past this project's lib setting). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)

/** The error a call throws (fails the test if it does not throw). */
function thrown(fn: () => unknown): S3InventoryError {
  try {
    fn()
  } catch (err) {
    return err as S3InventoryError
  }
  throw new Error('expected an error')
}

/** Everything an error could leak through: message, own fields, stack, cause. */
const everything = (err: unknown) => `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack} ${String((err as { cause?: unknown }).cause ?? '')}`

describe('databaseUri', () => {
  it('percent-encodes user, password and database so new URL() gives them back exactly', () => {
    const secret = { engine: 'postgres', host: 'db.example.internal', port: 5432, username: 'app@user:1', password: RESERVED, dbname: 'my db/x?y#z' }
    const uri = databaseUri(secret)
    const u = new URL(uri)
    expect(u.protocol).toBe('postgres:')
    expect(u.hostname).toBe('db.example.internal')
    expect(u.port).toBe('5432')
    expect(decodeURIComponent(u.password)).toBe(RESERVED)
    expect(decodeURIComponent(u.username)).toBe('app@user:1')
    expect(decodeURIComponent(u.pathname.slice(1))).toBe('my db/x?y#z')
    expect(u.search).toBe('')
    expect(u.hash).toBe('')
    // Only unreserved characters stay literal in the userinfo.
    expect(uri.slice('postgres://'.length, uri.lastIndexOf('@'))).toMatch(/^[A-Za-z0-9\-._~%:]+$/)
  })

  it('each reserved character alone survives the round trip', () => {
    for (const c of [...`@:/?#[]%&=+ !$'()*,;`]) {
      const password = `a${c}b${c}`
      const u = new URL(databaseUri({ engine: 'mysql', host: 'h', username: 'u', password }))
      expect(decodeURIComponent(u.password), JSON.stringify(c)).toBe(password)
      expect(u.hostname).toBe('h')
    }
  })

  it('scheme and default port from the engine; port as a number or a string', () => {
    const base = { host: 'h', username: 'u', password: 'p' }
    expect(databaseUri({ ...base, engine: 'postgres' })).toBe('postgres://u:p@h:5432')
    expect(databaseUri({ ...base, engine: 'aurora-postgresql', dbname: 'd' })).toBe('postgres://u:p@h:5432/d')
    expect(databaseUri({ ...base, engine: 'mysql' })).toBe('mysql://u:p@h:3306')
    expect(databaseUri({ ...base, engine: 'mariadb', port: '3307' })).toBe('mysql://u:p@h:3307')
    expect(databaseUri({ ...base, engine: 'aurora-mysql', port: 3310 })).toBe('mysql://u:p@h:3310')
    expect(databaseUri({ ...base, engine: 'oracle', dbname: 'ORCL' }, { scheme: 'oracle' })).toBe('oracle://u:p@h:1521/ORCL')
    expect(databaseUri({ ...base, engine: 'sqlserver', port: 1433 }, { scheme: 'sqlserver' })).toBe('sqlserver://u:p@h:1433')
    expect(databaseUri(JSON.stringify({ ...base, engine: 'postgres', port: '6543' }))).toBe('postgres://u:p@h:6543')
  })

  it('options override the secret; RDS-managed secrets (username and password only) take host/port from options', () => {
    const managed = { username: 'postgres', password: 'x]y' }
    expect(databaseUri(managed, { scheme: 'postgres', host: 'db.internal', port: 5433, database: 'app' })).toBe('postgres://postgres:x%5Dy@db.internal:5433/app')
    const full = { engine: 'postgres', host: 'remote', port: 5432, username: 'u', password: 'p', dbname: 'a' }
    expect(databaseUri(full, { host: 'localhost', port: '15432', database: 'b' })).toBe('postgres://u:p@localhost:15432/b')
    expect(new URL(databaseUri({ ...full, host: '::1' })).hostname).toBe('[::1]')
  })

  it('missing or bad parts are SECRET_INVALID errors that never contain the password', () => {
    const password = 'S3cr3t-P@ss/word#1'
    const cases: [object, object, string][] = [
      [{ engine: 'postgres', username: 'u', password }, {}, 'host'],
      [{ username: 'u', password, host: 'h', port: 1 }, {}, 'engine'],
      [{ engine: 'db2', username: 'u', password, host: 'h', port: 50000 }, {}, 'engine'],
      [{ engine: 'db2', username: 'u', password, host: 'h' }, { scheme: 'db2' }, 'port'],
      [{ engine: 'postgres', username: 'u', password, host: 'evil.example/x@y' }, {}, 'host'],
      [{ engine: 'postgres', password, host: 'h' }, {}, 'username'],
      [{ engine: 'postgres', username: 'u', password, host: 'h', port: 'eighty' }, {}, 'port'],
      [{ engine: 'postgres', username: 'u', password: `${password}\uD800`, host: 'h' }, {}, 'password'],
    ]
    for (const [secret, options, field] of cases) {
      const err = thrown(() => databaseUri(secret as never, options))
      expect(err, field).toBeInstanceOf(S3InventoryError)
      // The secret's JSON field is in `field` (not `column`, which is for data columns), not in the sentence.
      expect(err).toMatchObject({ code: 'SECRET_INVALID', field })
      expect(err.column).toBeUndefined()
      expect(err.message).not.toMatch(new RegExp(`^${field}:`))
      expect(everything(err)).not.toContain(password)
      expect(everything(err)).not.toContain('S3cr3t')
    }
    const notJson = thrown(() => databaseUri(`{"password": "${password}", oops`))
    expect(notJson.code).toBe('SECRET_INVALID')
    expect(everything(notJson)).not.toContain('S3cr3t')
  })

  it('property: any unicode user, password and database round-trip through new URL()', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1 }).filter(wellFormed),
        fc.string({ unit: 'binary' }).filter(wellFormed),
        fc.string({ unit: 'binary', minLength: 1 }).filter(wellFormed),
        fc.constantFrom('postgres', 'mysql', 'aurora-postgresql', 'mariadb'),
        (username, password, dbname, engine) => {
          const u = new URL(databaseUri({ engine, host: 'db.example.com', port: 5432, username, password, dbname }))
          expect(decodeURIComponent(u.username)).toBe(username)
          expect(decodeURIComponent(u.password)).toBe(password)
          expect(decodeURIComponent(u.pathname.slice(1))).toBe(dbname)
          expect([u.hostname, u.port, u.search, u.hash]).toEqual(['db.example.com', '5432', '', ''])
        },
      ),
      { numRuns: 500 },
    )
  })

  it('property: no error message contains the password', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 6 }), fc.constantFrom('host', 'engine', 'port'), (raw, missing) => {
        const password = `PW${raw}` // never a substring of the fixed error texts
        const secret: Record<string, unknown> = { engine: 'postgres', host: 'h', port: 5432, username: 'u', password }
        if (missing === 'host') delete secret.host
        if (missing === 'engine') secret.engine = 'cockroach'
        if (missing === 'port') Object.assign(secret, { engine: 'db2', port: undefined }) // no default port for db2
        let err: unknown
        try {
          databaseUri(secret as never, missing === 'port' ? { scheme: 'db2' } : {})
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(S3InventoryError)
        expect(err).toHaveProperty('field', missing)
        expect(everything(err)).not.toContain(password)
      }),
      { numRuns: 200 },
    )
  })
})

describe('readDatabaseUri (aws-sdk-client-mock)', () => {
  const sm = mockClient(SecretsManagerClient)
  afterAll(() => sm.restore())

  it('fetches the secret with GetSecretValue and builds the URI', async () => {
    sm.reset()
    const secret = { engine: 'postgres', host: 'db', port: 5432, username: 'app', password: RESERVED, dbname: 'inventory', masterarn: 'arn:…' }
    sm.on(GetSecretValueCommand, { SecretId: 'prod/app/db' }).resolves({ SecretString: JSON.stringify(secret) })
    const uri = await readDatabaseUri('prod/app/db', { client: new SecretsManagerClient({ region: 'us-east-1' }), versionStage: 'AWSCURRENT' })
    expect(decodeURIComponent(new URL(uri).password)).toBe(RESERVED)
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'prod/app/db', VersionStage: 'AWSCURRENT' }])
  })

  it('errors name the secret, are typed, and never quote the secret', async () => {
    sm.reset()
    const client = new SecretsManagerClient({ region: 'us-east-1' })
    sm.on(GetSecretValueCommand, { SecretId: 'missing' }).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }))
    sm.on(GetSecretValueCommand, { SecretId: 'binary' }).resolves({ SecretBinary: new Uint8Array([1, 2]) })
    sm.on(GetSecretValueCommand, { SecretId: 'rds!db-1234' }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'hunter2-XYZ' }) })
    sm.on(GetSecretValueCommand, { SecretId: 'garbled' }).resolves({ SecretString: '{"password":"hunter2-XYZ"' })
    await expect(readDatabaseUri('missing', { client })).rejects.toMatchObject({ code: 'NOT_FOUND', key: 'missing' })
    await expect(readDatabaseUri('binary', { client })).rejects.toMatchObject({ code: 'SECRET_INVALID', key: 'binary' })
    for (const id of ['rds!db-1234', 'garbled']) {
      const err = await readDatabaseUri(id, { client }).catch((e) => e)
      expect(err).toMatchObject({ code: 'SECRET_INVALID', key: id })
      expect(everything(err)).not.toContain('hunter2')
    }
    // The RDS-managed secret works once host, port and scheme are given.
    expect(await readDatabaseUri('rds!db-1234', { client, scheme: 'postgres', host: 'db.internal', port: 5432 })).toBe('postgres://postgres:hunter2-XYZ@db.internal:5432')
  })
})

describe('s3inv db-uri', () => {
  const secrets: Record<string, string> = {
    'prod/db': JSON.stringify({ engine: 'mysql', host: 'mysql.internal', port: '3306', username: 'admin', password: RESERVED, dbname: 'shop' }),
    'rds!db-9': JSON.stringify({ username: 'master', password: 'Top#Secret' }),
  }
  const targets: string[] = []
  let endpoint = ''
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      targets.push(String(req.headers['x-amz-target']))
      const { SecretId } = JSON.parse(body) as { SecretId: string }
      const s = secrets[SecretId]
      res.writeHead(s ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify(s ? { ARN: `arn:aws:secretsmanager:us-east-1:0:secret:${SecretId}`, Name: SecretId, SecretString: s } : { __type: 'ResourceNotFoundException', Message: 'not found' }))
    })
  })
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const run = (args: string[]) => runCli(['db-uri', ...args, '--endpoint-url', endpoint], { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' })

  it('prints the URI', async () => {
    const { code, stdout, stderr } = await run(['prod/db'])
    expect(code, stderr).toBe(0)
    expect(stdout.endsWith('\n')).toBe(true)
    const u = new URL(stdout.trimEnd())
    expect([u.protocol, u.hostname, u.port, decodeURIComponent(u.username), decodeURIComponent(u.password), u.pathname]).toEqual(['mysql:', 'mysql.internal', '3306', 'admin', RESERVED, '/shop'])
    expect(targets).toContain('secretsmanager.GetSecretValue')
  })

  it('an RDS-managed secret needs --host; the error does not show the password', async () => {
    const bad = await run(['rds!db-9'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/^s3inv: SECRET_INVALID: /m)
    expect(bad.stderr).not.toContain('Top#Secret')
    expect(bad.stderr).not.toContain('Top%23Secret')
    const ok = await run(['rds!db-9', '--scheme', 'postgres', '--host', 'pg.internal', '--port', '5432', '--database', 'app'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toBe('postgres://master:Top%23Secret@pg.internal:5432/app\n')
  })

  it('a missing secret is NOT_FOUND', async () => {
    const { code, stderr } = await run(['nope'])
    expect(code).toBe(1)
    // One sentence; Secrets Manager's code and words are what was found.
    expect(stderr).toMatch(/^s3inv: NOT_FOUND: secret not found \(nope; got ResourceNotFoundException .*: not found\)$/m)
  })
})
