/**
 * One WebSocket per tab carrying every channel: ref-counted subscriptions, ping/pong liveness,
 * reconnect with backoff, re-subscribe with the last `db_event_id` per channel, and debounced
 * "reload over REST" requests on `catchup.overflow` or a `truncated` stub.
 */
import {
  PING_INTERVAL_MS,
  PONG_TIMEOUT_MS,
  RELOAD_DEBOUNCE_MS,
  backoffDelay,
} from "./backoff";
import {
  LIST_EVENT_TYPES,
  PROTOCOL_TYPES,
  SESSIONS_CHANNEL,
  isTruncated,
  sessionChannel,
  type SessionEvent,
} from "./events";

/** The subset of the browser `WebSocket` the client uses (a fake in tests). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface ChannelHandlers {
  /** A live or replayed event of the channel (never a protocol message). */
  onEvent(event: SessionEvent): void;
  /** The channel's state cannot be caught up over the socket: refetch it over REST. */
  onReload?(): void;
}

export interface LiveClientOptions {
  url: string;
  connect?: SocketFactory;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  reloadDebounceMs?: number;
  /** Called with each reconnect delay (for tests and diagnostics). */
  onReconnectScheduled?: (delayMs: number) => void;
}

interface ChannelState {
  handlers: Set<ChannelHandlers>;
  lastEventId: number | undefined;
  reloadTimer: ReturnType<typeof setTimeout> | undefined;
}

type Timer = ReturnType<typeof setTimeout>;

export class LiveClient {
  private readonly url: string;
  private readonly connect: SocketFactory;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly reloadDebounceMs: number;
  private readonly onReconnectScheduled: ((delayMs: number) => void) | undefined;
  private readonly channels = new Map<string, ChannelState>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private socket: SocketLike | null = null;
  private open = false;
  private attempt = 0;
  private reconnectTimer: Timer | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private deadTimer: Timer | undefined;
  private stopped = false;
  private current: ConnectionState = "idle";

  constructor(options: LiveClientOptions) {
    this.url = options.url;
    this.connect = options.connect ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? PONG_TIMEOUT_MS;
    this.reloadDebounceMs = options.reloadDebounceMs ?? RELOAD_DEBOUNCE_MS;
    this.onReconnectScheduled = options.onReconnectScheduled;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The highest `db_event_id` seen on `channel` (sent as `last_event_id` on re-subscribe). */
  lastEventId(channel: string): number | undefined {
    return this.channels.get(channel)?.lastEventId;
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Listen to `channel`; the returned function drops this listener (the last one unsubscribes). */
  subscribe(channel: string, handlers: ChannelHandlers): () => void {
    let state = this.channels.get(channel);
    if (state === undefined) {
      state = { handlers: new Set(), lastEventId: undefined, reloadTimer: undefined };
      this.channels.set(channel, state);
      if (this.open) this.sendSubscribe(channel, state);
    }
    state.handlers.add(handlers);
    this.ensureSocket();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.release(channel, handlers);
    };
  }

  /** Close the socket for good (tab teardown, tests). */
  close(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    for (const state of this.channels.values()) clearTimeout(state.reloadTimer);
    this.channels.clear();
    this.teardown();
    this.setState("closed");
  }

  private release(channel: string, handlers: ChannelHandlers): void {
    const state = this.channels.get(channel);
    if (state === undefined) return;
    state.handlers.delete(handlers);
    if (state.handlers.size > 0) return;
    clearTimeout(state.reloadTimer);
    this.channels.delete(channel);
    if (this.open) this.send({ action: "unsubscribe", channel });
  }

  private ensureSocket(): void {
    if (this.socket !== null || this.stopped || this.reconnectTimer !== undefined) return;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    let socket: SocketLike;
    try {
      socket = this.connect(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.handleOpen(socket);
    socket.onmessage = (event) => this.handleMessage(socket, event.data);
    socket.onclose = () => this.handleClose(socket);
    socket.onerror = () => undefined; // a close follows
  }

  private handleOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.open = true;
    this.attempt = 0;
    this.setState("open");
    for (const [channel, state] of this.channels) this.sendSubscribe(channel, state);
    this.pingTimer = setInterval(() => this.ping(), this.pingIntervalMs);
  }

  private ping(): void {
    if (!this.open) return;
    this.send({ action: "ping" });
    if (this.deadTimer === undefined) {
      this.deadTimer = setTimeout(() => this.handleDead(), this.pongTimeoutMs);
    }
  }

  private handleDead(): void {
    this.deadTimer = undefined;
    const socket = this.socket;
    if (socket === null) return;
    try {
      socket.close(4000, "no pong");
    } catch {
      // already closing
    }
    this.handleClose(socket);
  }

  private handleClose(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.teardown();
    if (!this.stopped) this.scheduleReconnect();
  }

  private teardown(): void {
    const socket = this.socket;
    this.socket = null;
    this.open = false;
    clearInterval(this.pingTimer);
    clearTimeout(this.deadTimer);
    this.pingTimer = undefined;
    this.deadTimer = undefined;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close();
      } catch {
        // ignore
      }
    }
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.setState("reconnecting");
    this.onReconnectScheduled?.(delay);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ensureSocket();
    }, delay);
  }

  private handleMessage(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket || typeof data !== "string") return;
    clearTimeout(this.deadTimer); // any traffic proves the socket alive
    this.deadTimer = undefined;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message === null || typeof message !== "object") return;
    const record = message as Record<string, unknown>;
    const type = record.type;
    if (typeof type !== "string") return;
    if (PROTOCOL_TYPES.has(type)) {
      if (type === "catchup.overflow" && typeof record.channel === "string") {
        this.scheduleReload(record.channel);
      }
      return;
    }
    const sessionId = record.session_id;
    if (typeof sessionId !== "string" || !sessionId) return; // not about a session: drop
    const channel = sessionChannel(sessionId);
    const state = this.channels.get(channel);
    const dbId = record.db_event_id;
    if (state !== undefined && typeof dbId === "number") {
      state.lastEventId = Math.max(state.lastEventId ?? 0, dbId);
    }
    const forList = LIST_EVENT_TYPES.has(type) ? this.channels.get(SESSIONS_CHANNEL) : undefined;
    if (isTruncated(record)) {
      if (state !== undefined) this.scheduleReload(channel);
      if (forList !== undefined) this.scheduleReload(SESSIONS_CHANNEL);
      return;
    }
    const event = record as unknown as SessionEvent;
    for (const target of [state, forList]) {
      if (target === undefined) continue;
      for (const handlers of [...target.handlers]) handlers.onEvent(event);
    }
  }

  private scheduleReload(channel: string): void {
    const state = this.channels.get(channel);
    if (state === undefined) return;
    clearTimeout(state.reloadTimer);
    state.reloadTimer = setTimeout(() => {
      state.reloadTimer = undefined;
      for (const handlers of [...state.handlers]) handlers.onReload?.();
    }, this.reloadDebounceMs);
  }

  private sendSubscribe(channel: string, state: ChannelState): void {
    const message: Record<string, unknown> = { action: "subscribe", channel };
    if (state.lastEventId !== undefined) message.last_event_id = state.lastEventId;
    this.send(message);
  }

  private send(message: Record<string, unknown>): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      // the close handler reconnects
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }
}

/** `ws(s)://<this host>/api/v1/ws`. */
export function defaultSocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/api/v1/ws`;
}

