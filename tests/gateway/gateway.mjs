#!/usr/bin/env node
/**
 * A real Wechaty puppet-service gateway for the transport tests.
 *
 * PuppetServer (wechaty-puppet-service) serves a PuppetMock (wechaty-puppet-mock) whose
 * world (contacts, rooms, the bot account) comes from JSON. The test drives it over
 * stdin/stdout, one JSON object per line:
 *
 *   in   {"cmd":"say","from":id,"room":roomId|null,"text":"...","mentions":[ids]}
 *        {"cmd":"image","from":id,"room":roomId|null,"path":file,"name":"x.png"}
 *        {"cmd":"file","from":id,"room":roomId|null,"path":file,"name":"x.pdf"}
 *        {"cmd":"link","from":id,"room":roomId|null,"title":"...","url":"...","description":"..."}
 *        {"cmd":"duplicate","messageId":id}        emit the same MESSAGE event again
 *        {"cmd":"heartbeat"}                       emit one puppet heartbeat
 *        {"cmd":"reset","world"?:{...}}            forget every message and rebuild the world
 *                                                  (the given one, else the start-up one;
 *                                                  the bot account must stay the same)
 *        {"cmd":"quit"}
 *   out  {"event":"listening","port":n}            once, when the gRPC server is up
 *        {"event":"ok","cmd":...,"messageId":id,"ref":...}   a command was carried out
 *        {"event":"sent","to":convId,"text":...,"mentions":[...],"kind":"text"|"image"|"file"|"url",
 *         "name":...,"bytes_b64":...,"messageId":id}        the BOT sent something
 *        {"event":"error","message":...,"cmd":...,"ref":...}
 *
 * A command may carry "ref" (any JSON value); it is echoed back on its ok/error line.
 *
 * Usage:
 *   node gateway.mjs [--port N] [--token T] [--world JSON | --world-file PATH] [--tls]
 *                    [--ca-out PATH]
 * Environment fallbacks: GATEWAY_PORT, WECHATY_PUPPET_SERVICE_TOKEN, GATEWAY_WORLD (JSON),
 * GATEWAY_WORLD_FILE, GATEWAY_TLS=true.
 * Port 0 lets the OS pick a free port; the "listening" line reports the real one.
 *
 * World JSON:
 *   {"bot": {"id": "bot", "name": "反诈助手"} | "botId",
 *    "contacts": [{"id": "...", "name": "..."}],
 *    "rooms": [{"id": "x@chatroom", "topic": "...", "members": [ids],
 *               "owner"?: id, "aliases"?: {id: roomAlias}}],
 *    "urlLinks"?: true}     false: sending a url link fails (clients must degrade to text)
 *
 * The world is built at start-up and rebuilt by "reset" (so that one gateway can serve
 * many tests): the client's stop()+start() only logs the mock out and in again, and the
 * same JSON always gives the same world (for restart tests).
 */
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import util from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * stdout carries the protocol only: every library log line goes to stderr.
 * (The libraries are imported dynamically below, after this redirect.)
 */
const toStderr = (...args) => { process.stderr.write(util.format(...args) + '\n') }
console.log = toStderr
console.info = toStderr
console.warn = toStderr
console.error = toStderr
console.debug = toStderr
if (!process.env.WECHATY_LOG) {
  process.env.WECHATY_LOG = 'error'
}

const HERE = path.dirname(fileURLToPath(import.meta.url))

function emit (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) {
      continue
    }
    const key = arg.slice(2)
    if (key === 'tls') {
      out.tls = true
    } else {
      out[key] = argv[++i]
    }
  }
  return out
}

function loadWorld (args) {
  if (args.world) {
    return JSON.parse(args.world)
  }
  if (args['world-file']) {
    return JSON.parse(fs.readFileSync(args['world-file'], 'utf8'))
  }
  if (process.env.GATEWAY_WORLD) {
    return JSON.parse(process.env.GATEWAY_WORLD)
  }
  if (process.env.GATEWAY_WORLD_FILE) {
    return JSON.parse(fs.readFileSync(process.env.GATEWAY_WORLD_FILE, 'utf8'))
  }
  throw new Error('no world given: use --world JSON, --world-file PATH or GATEWAY_WORLD')
}

const args = parseArgs(process.argv.slice(2))
const port = Number(args.port ?? process.env.GATEWAY_PORT ?? 0)
const token = args.token ?? process.env.WECHATY_PUPPET_SERVICE_TOKEN ?? 'insecure_gatewaytoken'
const tls = Boolean(args.tls) || process.env.GATEWAY_TLS === 'true'

let world
let initialWorld
try {
  world = loadWorld(args)
  initialWorld = world
} catch (e) {
  emit({ event: 'error', message: `bad world: ${e.message}` })
  process.exit(2)
}

const { FileBox } = await import('file-box')
const PUPPET = await import('wechaty-puppet')
const { PuppetMock, mock } = await import('wechaty-puppet-mock')
const { PuppetServer, log } = await import('wechaty-puppet-service')
const { default: cuid } = await import('cuid')

log.level(process.env.WECHATY_LOG)

if (args['ca-out']) {
  // the CA that signed the insecure server certificate (common name "insecure")
  const caUrl = pathToFileURL(path.join(
    HERE, 'node_modules/wechaty-puppet-service/dist/esm/src/auth/ca.js'))
  const { TLS_CA_CERT } = await import(caUrl.href)
  fs.writeFileSync(args['ca-out'], TLS_CA_CERT)
}

const MessageType = PUPPET.types.Message

/**
 * Build the world: at start-up, and again on every "reset" command.
 */
const mocker = new mock.Mocker()

const contacts = new Map()
const rooms = new Map()
const roomAliases = new Map()
/** url-link payloads of Url messages, by message id */
const urlPayloads = new Map()
let bot

/** Check a world and fill in defaults; throws with the reason when it is bad. */
function checkWorld (spec) {
  const botSpec = typeof spec.bot === 'string' ? { id: spec.bot } : (spec.bot ?? {})
  if (!botSpec.id) {
    throw new Error('bad world: no bot id')
  }
  const contactSpecs = [...(spec.contacts ?? [])]
  if (!contactSpecs.some(c => c.id === botSpec.id)) {
    contactSpecs.unshift({ id: botSpec.id, name: botSpec.name ?? botSpec.id })
  }
  const ids = new Set(contactSpecs.map(c => c.id))
  const roomSpecs = []
  for (const room of spec.rooms ?? []) {
    if (!String(room.id).includes('@')) {
      throw new Error(`bad world: room id ${room.id} must contain "@"`)
    }
    const members = [...(room.members ?? [])]
    if (!members.includes(botSpec.id)) {
      members.push(botSpec.id) // the bot is in every room it can see
    }
    for (const id of members) {
      if (!ids.has(id)) {
        throw new Error(`bad world: room ${room.id} member ${id} is no contact`)
      }
    }
    roomSpecs.push({ ...room, members })
  }
  return { botId: botSpec.id, contactSpecs, roomSpecs }
}

/** Forget every contact, room and message, then create the world's contacts and rooms. */
function buildWorld (spec) {
  const { botId, contactSpecs, roomSpecs } = checkWorld(spec)
  if (bot && bot.id !== botId) {
    throw new Error(`reset cannot change the bot account (${bot.id} -> ${botId})`)
  }
  for (const cache of [mocker.cacheContactPayload, mocker.cacheRoomPayload,
    mocker.cacheMessagePayload, mocker.cacheFileBoxPayload, mocker.ContactMock.pool,
    mocker.RoomMock.pool, mocker.MessageMock.pool, contacts, rooms, roomAliases,
    urlPayloads]) {
    cache.clear()
  }
  for (const c of contactSpecs) {
    contacts.set(c.id, mocker.createContact({
      alias: '',
      avatar: '',
      friend: true,
      gender: PUPPET.types.ContactGender.Unknown,
      id: c.id,
      name: c.name ?? c.id,
      phone: [],
      type: PUPPET.types.Contact.Individual,
    }))
  }
  bot = contacts.get(botId)
  for (const room of roomSpecs) {
    rooms.set(room.id, mocker.createRoom({
      adminIdList: [],
      avatar: '',
      id: room.id,
      memberIdList: room.members,
      ownerId: room.owner ?? room.members[0],
      topic: room.topic ?? room.id,
    }))
    roomAliases.set(room.id, room.aliases ?? {})
  }
  world = spec
}

try {
  buildWorld(world)
} catch (e) {
  emit({ event: 'error', message: e.message })
  process.exit(2)
}


/**
 * Create a message and emit its MESSAGE event, like a contact speaking; return its id.
 * (Built by hand rather than with `contact.say().to()` so the type is exact and the id
 * is known.)
 */
function speak (talkerId, conversationId, { text, type, mentions, fileBox, urlLink }) {
  if (!contacts.has(talkerId)) {
    throw new Error(`unknown contact ${talkerId}`)
  }
  const id = cuid()
  const payload = {
    id,
    talkerId,
    timestamp: Date.now(),
    type,
  }
  if (text !== undefined) {
    payload.text = text
  }
  if (rooms.has(conversationId)) {
    payload.roomId = conversationId
    payload.mentionIdList = [...(mentions ?? [])]
  } else if (contacts.has(conversationId)) {
    payload.listenerId = conversationId
  } else {
    throw new Error(`unknown conversation ${conversationId}`)
  }
  if (fileBox) {
    mocker.cacheFileBoxPayload.set(id, fileBox.toJSON())
    payload.filename = fileBox.name
  }
  if (urlLink) {
    urlPayloads.set(id, urlLink)
    payload.text = urlLink.url
  }
  mocker.MessageMock.create(payload)
  puppet.emit('message', { messageId: id })
  return id
}

function fileTypeOf (fileBox) {
  const media = fileBox.mediaType ?? ''
  const ext = path.extname(fileBox.name ?? '').toLowerCase()
  if (media.startsWith('image/') || ['.png', '.jpg', '.jpeg', '.gif', '.webp'].includes(ext)) {
    return { kind: 'image', type: MessageType.Image }
  }
  if (media.startsWith('video/') || ext === '.mp4') {
    return { kind: 'file', type: MessageType.Video }
  }
  return { kind: 'file', type: MessageType.Attachment }
}

/**
 * PuppetMock with the bot's sends observed: the stock send methods drop the mention ids and
 * return no message id; these keep both and report every send on stdout.
 */
class GatewayPuppet extends PuppetMock {

  async messageSendText (conversationId, text, mentionIdList) {
    this.assertLoggedIn()
    const mentions = [...(mentionIdList ?? [])]
    const messageId = speak(bot.id, conversationId, { mentions, text, type: MessageType.Text })
    emit({ event: 'sent', kind: 'text', mentions, messageId, text, to: conversationId })
    return messageId
  }

  async messageSendFile (conversationId, fileBox) {
    this.assertLoggedIn()
    const base64 = await fileBox.toBase64()
    const stored = FileBox.fromBase64(base64, fileBox.name)
    const { kind, type } = fileTypeOf(stored)
    const messageId = speak(bot.id, conversationId, { fileBox: stored, type })
    emit({
      bytes_b64: base64,
      event: 'sent',
      kind,
      mentions: [],
      messageId,
      name: fileBox.name,
      size: Buffer.from(base64, 'base64').length,
      to: conversationId,
    })
    return messageId
  }

  async messageSendUrl (conversationId, urlLinkPayload) {
    this.assertLoggedIn()
    if (world.urlLinks === false) {
      throw new Error('url links are not supported by this gateway')
    }
    const messageId = speak(bot.id, conversationId, { type: MessageType.Url, urlLink: urlLinkPayload })
    emit({
      description: urlLinkPayload.description ?? '',
      event: 'sent',
      kind: 'url',
      mentions: [],
      messageId,
      text: urlLinkPayload.title,
      title: urlLinkPayload.title,
      to: conversationId,
      url: urlLinkPayload.url,
    })
    return messageId
  }

  async messageUrl (messageId) {
    const payload = urlPayloads.get(messageId)
    if (payload) {
      return payload
    }
    return super.messageUrl(messageId)
  }

  async roomMemberRawPayload (roomId, contactId) {
    const payload = await super.roomMemberRawPayload(roomId, contactId)
    const alias = roomAliases.get(roomId)?.[contactId]
    return alias ? { ...payload, roomAlias: alias } : payload
  }

  assertLoggedIn () {
    if (!this.isLoggedIn) {
      throw new Error('not logged in')
    }
  }

}

const puppet = new GatewayPuppet({ mocker })
mocker.use(m => {
  if (!puppet.isLoggedIn) {
    m.login(bot)
  }
  // Mocker.stop() hands every behavior's return value to setImmediate(): it must be a
  // function, or stopping the puppet (the client's stop()) crashes the process.
  return () => {}
})

/**
 * The mock never emits heartbeats itself: without them the puppet's own watchdog would
 * reset (log out and in) the puppet after 60 s.
 */
const heartbeatTimer = setInterval(() => puppet.emit('heartbeat', { data: 'gateway' }), 15_000)

const server = new PuppetServer({
  endpoint: `127.0.0.1:${port}`,
  puppet,
  tls: { disable: !tls },
  token,
})

/**
 * The port really bound (for --port 0): PuppetServer does not expose it, so catch it from
 * grpc-js bindAsync (wechaty-grpc is the grpc-js build PuppetServer itself uses; pinned by
 * the lock file as a dependency of wechaty-puppet-service).
 */
let boundPort = port
try {
  const { grpc } = await import('wechaty-grpc')
  const bindAsync = grpc.Server.prototype.bindAsync
  grpc.Server.prototype.bindAsync = function (endpoint, credential, callback) {
    return bindAsync.call(this, endpoint, credential, (err, p) => {
      if (!err) {
        boundPort = p
      }
      callback(err, p)
    })
  }
} catch (e) {
  if (port === 0) {
    emit({ event: 'error', message: `cannot learn the bound port (use --port N): ${e.message}` })
    process.exit(2)
  }
}

let quitting = false
async function quit (code = 0) {
  if (quitting) {
    return
  }
  quitting = true
  clearInterval(heartbeatTimer)
  const hardExit = setTimeout(() => process.exit(code), 2000)
  hardExit.unref()
  try {
    await server.stop()
    if (puppet.state.active()) {
      await puppet.stop()
    }
  } catch (e) {
    process.stderr.write(`gateway: stop failed: ${e}\n`)
  }
  process.exit(code)
}

process.on('SIGTERM', () => { void quit(0) })
process.on('SIGINT', () => { void quit(0) })
process.on('unhandledRejection', e => {
  emit({ event: 'error', message: `unhandled rejection: ${e && e.message ? e.message : e}` })
})

try {
  await server.start()
} catch (e) {
  emit({ event: 'error', message: `cannot listen on 127.0.0.1:${port}: ${e.message}` })
  process.exit(3)
}
emit({ event: 'listening', port: boundPort, tls })

function conversationOf (cmd) {
  return cmd.room ? cmd.room : bot.id
}

function fileBoxFromPath (cmd) {
  const bytes = fs.readFileSync(cmd.path)
  return FileBox.fromBase64(bytes.toString('base64'), cmd.name ?? path.basename(cmd.path))
}

async function handle (cmd) {
  switch (cmd.cmd) {
    case 'say': {
      const messageId = speak(cmd.from, conversationOf(cmd), {
        mentions: cmd.mentions ?? [],
        text: cmd.text ?? '',
        type: MessageType.Text,
      })
      return { messageId }
    }
    case 'image':
    case 'file': {
      const fileBox = fileBoxFromPath(cmd)
      const type = cmd.cmd === 'image' ? MessageType.Image : fileTypeOf(fileBox).type
      const messageId = speak(cmd.from, conversationOf(cmd), { fileBox, type })
      return { messageId }
    }
    case 'link': {
      const urlLink = { description: cmd.description ?? '', title: cmd.title, url: cmd.url }
      const messageId = speak(cmd.from, conversationOf(cmd), { type: MessageType.Url, urlLink })
      return { messageId }
    }
    case 'duplicate': {
      mocker.messagePayload(cmd.messageId) // throws when unknown
      puppet.emit('message', { messageId: cmd.messageId })
      return { messageId: cmd.messageId }
    }
    case 'reset': {
      buildWorld(cmd.world ?? initialWorld)
      // the puppet keeps its own payload caches: drop them with the old world
      puppet.cache?.clear()
      return {}
    }
    case 'heartbeat': {
      puppet.emit('heartbeat', { data: 'gateway command' })
      return {}
    }
    case 'quit': {
      emit({ cmd: 'quit', event: 'ok', ref: cmd.ref })
      await quit(0)
      return {}
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd.cmd)}`)
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false })
rl.on('line', async line => {
  if (!line.trim()) {
    return
  }
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (e) {
    emit({ event: 'error', message: `bad command line: ${e.message}` })
    return
  }
  try {
    const result = await handle(cmd)
    if (cmd.cmd !== 'quit') {
      emit({ cmd: cmd.cmd, event: 'ok', ref: cmd.ref, ...result })
    }
  } catch (e) {
    emit({ cmd: cmd.cmd, event: 'error', message: e && e.message ? e.message : String(e), ref: cmd.ref })
  }
})
// the test went away: do not linger
rl.on('close', () => { void quit(0) })
