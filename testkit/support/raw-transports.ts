import { openLegacySse, type LegacySseSession } from './legacy-sse.ts';
import { postRaw } from './rpc.ts';
import { openRecordingWorld, type OpenWorld } from './worlds/recording.ts';

/** One raw message to the gateway and its answer; `status` is the HTTP status where there is one. */
export type SendRaw = (text: string, id: number | null) => Promise<{ status?: number; reply: Record<string, any> | undefined }>;

/**
 * A recording world reached three ways with raw message text: Streamable HTTP (an old-era
 * session), stdio (old era), and the legacy SSE endpoint, which answers every message on its
 * event stream, a refusal too (the POST itself is 202: the Python SDK's client waited forever when
 * a refusal came back as the POST's 400). For tests of what the edges refuse on every transport.
 */
export interface RawTransports {
  world: OpenWorld;
  senders: ReadonlyArray<readonly [name: TransportName, send: SendRaw]>;
  /** The sender of one transport. */
  over(name: TransportName): SendRaw;
  close(): Promise<void>;
}

export type TransportName = 'HTTP' | 'stdio' | 'legacy SSE';
export const TRANSPORT_NAMES: readonly TransportName[] = ['HTTP', 'stdio', 'legacy SSE'];

export async function openRawTransports(): Promise<RawTransports> {
  const world = await openRecordingWorld({ stdio: true });
  let sse: LegacySseSession;
  try {
    sse = await openLegacySse(world.world.gateway.url);
  } catch (error) {
    await world.close();
    throw error;
  }
  const overHttp: SendRaw = async (text, n) => {
    const answer = await postRaw(world.world.gateway.url, text, world.session);
    return { status: answer.status, reply: answer.messages.find((m) => m.id === n) ?? answer.messages[0] };
  };
  const overStdio: SendRaw = async (text, n) => ({ reply: await world.stdio.send(text, n) });
  const overSse: SendRaw = async (text, n) => {
    const { status, reply } = await sse.send(text, n);
    if (status !== 202) throw new Error(`POST /messages answered ${status}, not 202`);
    return { reply };
  };
  const senders = [['HTTP', overHttp], ['stdio', overStdio], ['legacy SSE', overSse]] as const;
  return {
    world,
    senders,
    over: (name) => senders.find(([known]) => known === name)![1],
    async close() {
      sse.close();
      await world.close();
    },
  };
}
