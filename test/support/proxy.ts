/**
 * A TCP proxy in front of the local S3 server, for tests: counts the bytes the server sends to the
 * client (to see backpressure reach the network) and can inject faults (resets, stalls, 503s).
 * It forwards with pipe(), so it never buffers more than the sockets' own windows.
 */
import net from 'node:net'

export interface Fault {
  /** Reset (RST) the client connection after this many response bytes. */
  resetAfter?: number
  /** Stop forwarding response bytes after this many (the connection hangs). */
  stallAfter?: number
  /** Answer this request with an HTTP 503 SlowDown instead of forwarding it. */
  slowDown?: boolean
  /** Answer with this HTTP error instead of forwarding (S3-style XML body). */
  error?: { status: number; code: string; message: string }
  /** Forward the request only once this settles (the client waits, as on a slow network). */
  holdUntil?: Promise<unknown>
}

export interface Proxy {
  url: string
  /** Response bytes forwarded to clients so far. */
  bytes: number
  /** Connections currently open. */
  open: number
  /** Connections accepted so far. */
  connections: number
  /** Decides the fault (if any) for each new connection. */
  plan: (connection: number) => Fault | undefined
  close(): Promise<void>
}

export async function startProxy(target: string): Promise<Proxy> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<net.Socket>()
  const proxy: Proxy = {
    url: '',
    bytes: 0,
    open: 0,
    connections: 0,
    plan: () => undefined,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
  const server = net.createServer((client) => {
    const n = proxy.connections++
    const fault = proxy.plan(n)
    proxy.open++
    sockets.add(client)
    client.on('close', () => {
      proxy.open--
      sockets.delete(client)
    })
    client.on('error', () => {})
    if (fault?.slowDown || fault?.error) {
      const { status, code, message } = fault.error ?? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
      client.once('data', () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
        client.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      })
      return
    }
    const go = () => forward(client, fault)
    if (fault?.holdUntil) fault.holdUntil.then(go, go)
    else go()
  })

  function forward(client: net.Socket, fault: Fault | undefined): void {
    if (client.destroyed) return
    const upstream = net.connect(Number(port), hostname)
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    client.pipe(upstream)
    let sent = 0
    upstream.on('data', (chunk: Buffer) => {
      const limit = fault?.resetAfter ?? fault?.stallAfter
      if (limit !== undefined && sent + chunk.length >= limit) {
        const part = chunk.subarray(0, Math.max(0, limit - sent))
        if (part.length) client.write(part)
        proxy.bytes += part.length
        sent += part.length
        upstream.pause()
        upstream.removeAllListeners('data')
        if (fault?.resetAfter !== undefined) setImmediate(() => client.resetAndDestroy())
        return
      }
      sent += chunk.length
      proxy.bytes += chunk.length
      // Backpressure: stop reading from the server while the client is not reading.
      if (!client.write(chunk)) {
        upstream.pause()
        client.once('drain', () => upstream.resume())
      }
    })
    upstream.on('end', () => client.end())
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return proxy
}
