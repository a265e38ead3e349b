/**
 * The embeddable widget's entry (`GET /embed.js`).
 *
 * @example
 * <div data-livethread-article="my-article"></div>
 * <script src="https://comments.example.com/embed.js" async></script>
 *
 * Optional attributes on the div: `data-token` (a token signed by the host site for its signed-in
 * user) and `data-theme` ("light" or "dark"; anything else follows the reader's colour scheme).
 */
import type { DiscussionClient } from '../discussion-client.js';
import { Session } from './session.js';
import { ThreadWidget, type Theme } from './widget.js';

// Only defined while this script first runs: read it now.
const ownScript = document.currentScript as HTMLScriptElement | null;

interface LivethreadGlobal {
  /** Every DiscussionClient on the page (one per token in use); for tests and debugging. */
  clients: DiscussionClient[];
  /** Mounts widgets added to the page after it loaded (for single-page apps). */
  scan(root?: ParentNode): void;
}

declare global {
  interface Window {
    livethread?: LivethreadGlobal;
  }
}

/** The service's origin: where this script was loaded from. */
function serverOrigin(): string {
  let src = ownScript?.src;
  if (!src) {
    const scripts = Array.from(document.querySelectorAll<HTMLScriptElement>('script[src]')).filter((s) =>
      /\/embed\.js(?:[?#].*)?$/.test(s.src),
    );
    src = scripts.at(-1)?.src;
  }
  try {
    return new URL(src ?? '', location.href).origin;
  } catch {
    return location.origin;
  }
}

const origin = serverOrigin();
const sessions = new Map<string, Session>();
const clients: DiscussionClient[] = window.livethread?.clients ?? [];

function sessionFor(token: string | null): Session {
  const key = token ?? '';
  let session = sessions.get(key);
  if (!session) {
    session = new Session(origin, token);
    sessions.set(key, session);
    clients.push(session.client);
  }
  return session;
}

function scan(root: ParentNode = document): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('div[data-livethread-article]'))) {
    const articleId = el.dataset.livethreadArticle?.trim();
    if (!articleId || el.dataset.livethreadMounted !== undefined) continue;
    el.dataset.livethreadMounted = '';
    const theme: Theme = el.dataset.theme === 'light' || el.dataset.theme === 'dark' ? el.dataset.theme : 'auto';
    new ThreadWidget(el, articleId, sessionFor(el.dataset.token?.trim() || null), theme);
  }
}

if (!window.livethread) window.livethread = { clients, scan };

// An async script may run before the page's divs are parsed.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => scan());
else scan();
