/** React access to the tab's single `LiveClient`: provider, channel hook, connection state. */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";

import { LiveClient, defaultSocketUrl, type ConnectionState } from "./client";
import type { SessionEvent } from "./events";

const LiveContext = createContext<LiveClient | null>(null);

let tabClient: LiveClient | null = null;

/** The tab's client, created on first use. */
function sharedClient(): LiveClient {
  tabClient ??= new LiveClient({ url: defaultSocketUrl() });
  return tabClient;
}

export function LiveProvider({ children, client }: { children: ReactNode; client?: LiveClient }) {
  return <LiveContext.Provider value={client ?? sharedClient()}>{children}</LiveContext.Provider>;
}

export function useLiveClient(): LiveClient {
  const client = useContext(LiveContext);
  if (client === null) throw new Error("useLiveClient outside <LiveProvider>");
  return client;
}

/**
 * Subscribe to `channel` while mounted (null: none). The latest callbacks are used without
 * re-subscribing.
 */
export function useChannel(
  channel: string | null,
  onEvent: (event: SessionEvent) => void,
  onReload?: () => void,
): void {
  const client = useLiveClient();
  const eventRef = useRef(onEvent);
  const reloadRef = useRef(onReload);
  eventRef.current = onEvent;
  reloadRef.current = onReload;
  useEffect(() => {
    if (channel === null) return undefined;
    return client.subscribe(channel, {
      onEvent: (event) => eventRef.current(event),
      onReload: () => reloadRef.current?.(),
    });
  }, [client, channel]);
}

export function useConnectionState(): ConnectionState {
  const client = useLiveClient();
  const [state, setState] = useState<ConnectionState>(client.state);
  useEffect(() => {
    setState(client.state);
    return client.onStateChange(setState);
  }, [client]);
  return state;
}
