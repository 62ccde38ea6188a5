/**
 * Database connection URIs from Secrets Manager database secrets (RDS/Aurora structure), with every
 * part percent-encoded: generated passwords contain `@ : / ? # [ ] % & = +`, and interpolating them
 * raw gives a URI that parses as something else. No error message ever contains the password.
 */
// Loaded on first use: most users of this package never read secrets.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { z } from 'zod'
import { S3InventoryError, type ErrorCode } from './errors.js'
import { formatPath } from './manifest.js'
import { describeSdkError, sanitize } from './sources/retry.js'

export interface DatabaseUriOptions {
  /** URI scheme, e.g. `postgres`, `mysql`, `sqlserver`. Default: from the secret's `engine`. */
  scheme?: string
  /** Database name; overrides the secret's `dbname`. */
  database?: string
  /** Host; overrides the secret's `host` (RDS-managed secrets hold only username and password). */
  host?: string
  /** Port; overrides the secret's `port`. Default: the engine's usual port. */
  port?: number | string
}

/** The fields of an RDS/Aurora database secret this library reads (others are ignored). */
export interface DatabaseSecret {
  engine?: string
  host?: string
  port?: number | string
  username: string
  password: string
  dbname?: string
}

// engine → [scheme, default port]. MySQL 3306 and Oracle 1521 are in the Secrets Manager secret
// structure docs; PostgreSQL 5432 is PostgreSQL's own default (the reference marks it UNCONFIRMED
// as a Secrets Manager default).
const ENGINES: Record<string, readonly [scheme: string, port: number]> = {
  postgres: ['postgres', 5432],
  postgresql: ['postgres', 5432],
  'aurora-postgresql': ['postgres', 5432],
  mysql: ['mysql', 3306],
  mariadb: ['mysql', 3306],
  'aurora-mysql': ['mysql', 3306],
}
// Ports for engines without a built-in scheme (used when the caller passes `scheme`).
const OTHER_PORTS: Record<string, number> = { oracle: 1521 }

const port = z.union([z.number().int().min(1).max(65535), z.string().regex(/^\d{1,5}$/, 'expected a port number').transform(Number)])
const SecretJson = z.looseObject({
  engine: z.string().optional(),
  host: z.string().optional(),
  port: port.optional(),
  username: z.string().min(1, 'expected a non-empty string'),
  password: z.string(),
  dbname: z.string().optional(),
})

/** Percent-encodes everything but RFC 3986 unreserved characters (encodeURIComponent leaves `!'()*` too). */
function encodePart(value: string, what: string, where: { key?: string }): string {
  try {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  } catch {
    // A lone surrogate: no URI (and no driver) can carry it. Say which part, never its value.
    throw new S3InventoryError('SECRET_INVALID', `${what} is not well-formed Unicode`, { ...where, field: what })
  }
}

// Host names (letters, digits, - . _) or an IPv6 literal; anything else would change the URI's meaning.
const HOSTNAME = /^[A-Za-z0-9._-]+$/
const IPV6 = /^\[?([0-9A-Fa-f:.]+)\]?$/

function hostPart(host: string, where: { key?: string }): string {
  if (HOSTNAME.test(host)) return host
  const v6 = IPV6.exec(host)
  if (v6 && v6[1].includes(':')) return `[${v6[1]}]`
  throw new S3InventoryError('SECRET_INVALID', 'host is not a host name or IP address', { ...where, field: 'host', actual: host.slice(0, 255) })
}

/**
 * A connection URI from a database secret (the parsed SecretString, or its JSON text):
 * `scheme://user:password@host:port/dbname`, every part percent-encoded. Options override the
 * secret's fields.
 */
export function databaseUri(secret: DatabaseSecret | string, options: DatabaseUriOptions = {}): string {
  return uriFrom(secret, options, {})
}

/** `where` names the secret in errors (readDatabaseUri). */
function uriFrom(secret: DatabaseSecret | string, options: DatabaseUriOptions, where: { key?: string }): string {
  const s = parseSecret(secret, where)
  const engine = s.engine?.toLowerCase()
  const known = engine === undefined ? undefined : ENGINES[engine]
  const scheme = options.scheme ?? known?.[0]
  if (scheme === undefined) {
    throw new S3InventoryError('SECRET_INVALID', engine === undefined ? 'secret has no engine; pass the scheme option' : `no URI scheme known for engine "${s.engine}"; pass the scheme option`, {
      ...where,
      field: 'engine',
      expected: `one of ${Object.keys(ENGINES).join(', ')}, or the scheme option`,
      actual: s.engine,
    })
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'scheme is not a valid URI scheme', { ...where, option: 'scheme', actual: scheme })
  }
  const host = options.host ?? s.host
  if (host === undefined || host === '') {
    throw new S3InventoryError('SECRET_INVALID', 'secret has no host; pass the host option (RDS-managed secrets hold only username and password)', {
      ...where,
      field: 'host',
      expected: 'host in the secret or the host option',
    })
  }
  const p = options.port !== undefined ? port.safeParse(options.port) : undefined
  if (p && !p.success) throw new S3InventoryError('INVALID_ARGUMENT', 'port must be 1–65535', { ...where, option: 'port', actual: String(options.port) })
  const portNumber = p?.data ?? s.port ?? known?.[1] ?? (engine === undefined ? undefined : OTHER_PORTS[engine])
  if (portNumber === undefined) {
    throw new S3InventoryError('SECRET_INVALID', 'secret has no port and the engine has no default; pass the port option', {
      ...where,
      field: 'port',
      expected: 'port in the secret or the port option',
    })
  }
  const db = options.database ?? s.dbname
  const path = db === undefined || db === '' ? '' : `/${encodePart(db, 'dbname', where)}`
  return `${scheme}://${encodePart(s.username, 'username', where)}:${encodePart(s.password, 'password', where)}@${hostPart(host, where)}:${portNumber}${path}`
}

/** Validates a secret without ever echoing its values in errors. */
function parseSecret(secret: DatabaseSecret | string, where: { key?: string }): z.infer<typeof SecretJson> {
  let json: unknown = secret
  if (typeof secret === 'string') {
    try {
      json = JSON.parse(secret)
    } catch {
      // JSON.parse's message quotes the text: it must not reach logs.
      throw new S3InventoryError('SECRET_INVALID', 'SecretString is not JSON', { ...where, expected: 'a JSON object {engine, host, port, username, password, dbname}' })
    }
  }
  const r = SecretJson.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    const field = formatPath(issue.path)
    // issue.message names the expected type, never the value.
    throw new S3InventoryError('SECRET_INVALID', field ? 'a field of the secret is missing or invalid' : 'the secret is not a JSON object', {
      ...where,
      field: field || undefined,
      expected: 'a database secret {engine, host, port, username, password, dbname}',
      actual: issue.message,
    })
  }
  return r.data
}

export interface ReadDatabaseUriOptions extends DatabaseUriOptions {
  /** Default: `new SecretsManagerClient({})`, destroyed when done. */
  client?: SecretsManagerClient
  /** Version stage, e.g. `AWSPREVIOUS`. Default: AWSCURRENT. */
  versionStage?: string
  signal?: AbortSignal
}

/** Fetches a database secret (GetSecretValue) and returns its connection URI (see databaseUri). */
export async function readDatabaseUri(secretId: string, options: ReadDatabaseUriOptions = {}): Promise<string> {
  if (typeof secretId !== 'string' || secretId === '') throw new S3InventoryError('INVALID_ARGUMENT', 'secretId must be a non-empty string', { option: 'secretId' })
  const sm = await import('@aws-sdk/client-secrets-manager')
  const client = options.client ?? new sm.SecretsManagerClient({})
  let secretString: string | undefined
  try {
    const res = await client.send(new sm.GetSecretValueCommand({ SecretId: secretId, VersionStage: options.versionStage }), { abortSignal: options.signal })
    secretString = res.SecretString
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason
    throw secretsError(err, secretId)
  } finally {
    if (!options.client) client.destroy()
  }
  if (typeof secretString !== 'string') {
    throw new S3InventoryError('SECRET_INVALID', 'secret has no SecretString (a binary secret?)', { key: secretId, expected: 'a JSON SecretString' })
  }
  return uriFrom(secretString, options, { key: secretId })
}

function secretsError(err: unknown, secretId: string): S3InventoryError {
  const { status, name, what } = describeSdkError(err)
  const code: ErrorCode =
    name === 'ResourceNotFoundException' ? 'NOT_FOUND' : name === 'AccessDeniedException' || status === 403 ? 'ACCESS_DENIED' : 'SECRETS_MANAGER_ERROR'
  const sentence = { NOT_FOUND: 'secret not found', ACCESS_DENIED: 'access denied' }[code as string] ?? 'the Secrets Manager request failed'
  return new S3InventoryError(code, sentence, { key: secretId, actual: what, cause: sanitize(err) })
}
