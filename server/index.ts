import { readConfig } from './config.ts'
import { createAppServer } from './app.ts'

const config = readConfig()
const server = createAppServer(config)

server.listen(config.port, config.host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  console.log(JSON.stringify({ level: 'info', msg: 'listening', url: `http://localhost:${port}` }))
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0))
    setTimeout(() => process.exit(0), 2000).unref()
  })
}
