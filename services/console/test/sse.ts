/** A minimal SSE reader over fetch, for tests: collects events until `until` says stop. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

export async function readSse(url: string, opts: { headers?: Record<string, string>; until: (events: SseEvent[]) => boolean; timeoutMs?: number; onOpen?: () => void | Promise<void> }): Promise<{ status: number; events: SseEvent[]; comments: string[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? 5000);
  const events: SseEvent[] = [];
  const comments: string[] = [];
  try {
    const res = await fetch(url, { headers: opts.headers ?? {}, signal: controller.signal });
    if (res.status !== 200 || !res.body) return { status: res.status, events, comments };
    await opts.onOpen?.();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        const ev: SseEvent = { id: null, event: 'message', data: '' };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id: ')) ev.id = line.slice(4);
          else if (line.startsWith('event: ')) ev.event = line.slice(7);
          else if (line.startsWith('data: ')) ev.data += line.slice(6);
          else continue;
          if (!line.startsWith(':')) isEvent = true;
        }
        if (isEvent) events.push(ev);
      }
      if (opts.until(events)) break;
    }
    controller.abort();
    return { status: 200, events, comments };
  } catch (err) {
    if ((err as Error).name === 'AbortError') return { status: 200, events, comments };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
