/**
 * The readers' features that need no browser: the shared Markdown renderer (buildDoc) and the
 * collapse rule, the locale tables and their helpers, and thread.html's markup.
 */
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../server/core/markdown.js';
import { requestLang, threadHtml } from '../../server/http/thread-html.js';
import { LOCALES } from '../../shared/locales.js';
import { buildDoc, isLongDoc, type DocBuilder } from '../../shared/markdown.js';
import type { Comment, Snapshot } from '../../shared/schemas.js';
import { EN, fmt, isRtl, pickLang, relativeTime, stringsFor } from '../../shared/widget-strings.js';

/** A builder that writes nodes as compact tags, to read what a renderer would make. */
const tags: DocBuilder<string> = {
  element: (tag, attrs, children) =>
    `<${tag}${Object.entries(attrs)
      .map(([k, v]) => ` ${k}="${v}"`)
      .join('')}>${children.join('')}</${tag}>`,
  text: (t) => t.replace(/</g, '&lt;'),
};
const md = (source: string) => buildDoc(renderMarkdown(source), tags).join('');

describe('buildDoc: the one set of rendering rules', () => {
  it('renders the subset to its elements, links with rel and target', () => {
    expect(md('*a* **b** `c` [d](https://e.example/)')).toBe(
      '<p><em>a</em> <strong>b</strong> <code>c</code> <a href="https://e.example/" rel="nofollow ugc noopener noreferrer" target="_blank">d</a></p>',
    );
    expect(md('> q\n\n- x\n- y\n\n3. z\n\n```\n<b>\n```')).toBe(
      '<blockquote><p>q</p></blockquote><ul><li><p>x</p></li><li><p>y</p></li></ul><ol start="3"><li><p>z</p></li></ol><pre><code>&lt;b></code></pre>',
    );
    expect(md('line\nbreak')).toBe('<p>line<br></br>break</p>');
  });

  it('drops what is not a node of a document, and checks every href again', () => {
    const doc: unknown = [
      ['p', 'ok', ['a', 'javascript:alert(1)', 'x'], ['a', 'https://fine.example/', 'y'], ['img', 'z'], { tag: 'script' }, 42],
      ['script', 'alert(1)'],
      ['pre', ['not', 'text']],
      'stray',
      ['ol', 'NaN', ['li', ['p', 'one']]],
    ];
    expect(buildDoc(doc, tags).join('')).toBe(
      '<p>okx<a href="https://fine.example/" rel="nofollow ugc noopener noreferrer" target="_blank">y</a></p><ol><li><p>one</p></li></ol>',
    );
    expect(buildDoc(null, tags)).toEqual([]);
    expect(buildDoc('<script>', tags)).toEqual([]);
  });

  it('shows a document nested past its depth as text, without recursing on', () => {
    let deep: unknown = ['p', 'bottom'];
    for (let i = 0; i < 5000; i++) deep = ['blockquote', deep];
    const out = buildDoc([deep], tags).join('');
    expect(out).toContain('bottom');
    expect(out.match(/<blockquote>/g)!.length).toBeLessThan(30);
  });

  it('collapses bodies over about 12 lines, short ones never', () => {
    expect(isLongDoc(renderMarkdown(Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n')))).toBe(false);
    expect(isLongDoc(renderMarkdown(Array.from({ length: 13 }, (_, i) => `line ${i}`).join('\n')))).toBe(true);
    expect(isLongDoc(renderMarkdown('word '.repeat(250)))).toBe(true); // about 16 lines wrapped
    expect(isLongDoc(renderMarkdown('a\n\nb\n\nc'))).toBe(false);
    expect(isLongDoc(null)).toBe(false);
  });
});

describe('the locale tables', () => {
  it('every shipped language has every string, no unknown key, and the same placeholders', () => {
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [lang, table] of Object.entries(LOCALES)) {
      expect(Object.keys(table).sort(), lang).toEqual(Object.keys(EN).sort());
      for (const [key, text] of Object.entries(table)) expect(holes(text!), `${lang}.${key}`).toEqual(holes(EN[key as keyof typeof EN]));
    }
  });

  it('picks a language by its primary subtag, English otherwise; overrides take known keys with string values only', () => {
    expect(pickLang('de-AT')).toBe('de');
    expect(pickLang(undefined, '', 'FR_ca')).toBe('fr');
    expect(pickLang('ar', 'es')).toBe('es');
    expect(pickLang('xx')).toBe('en');
    const s = stringsFor(LOCALES.de, { reply: 'Antwort', nope: 'x', comments: 42, __proto__: { post: 'evil' } });
    expect(s.reply).toBe('Antwort');
    expect(s.comments).toBe('Kommentare');
    expect(s.post).toBe('Senden');
    expect((s as Record<string, string>).nope).toBeUndefined();
    expect(fmt('{n} of {m} {missing}', { n: 1, m: 'two' })).toBe('1 of two {missing}');
    expect(isRtl('ar-EG')).toBe(true);
    expect(isRtl('de')).toBe(false);
  });

  it('relative times come from Intl in the language asked for', () => {
    const now = Date.parse('2026-06-15T12:00:00Z');
    const at = (ms: number) => new Date(now - ms).toISOString();
    expect(relativeTime(at(5 * 60_000), 'de', now)).toBe('vor 5 Minuten');
    expect(relativeTime(at(3 * 3600_000), 'fr', now)).toBe('il y a 3 heures');
    expect(relativeTime(at(24 * 3600_000), 'es', now)).toBe('ayer');
    expect(relativeTime(at(10_000), 'en', now)).toBe('now');
    expect(relativeTime(at(40 * 24 * 3600_000), 'en', now)).toBe('May 6');
  });
});

let minute = 0;
function comment(id: string, parent: Comment | null = null, over: Partial<Comment> = {}): Comment {
  minute++;
  const body = over.body === undefined ? `Body of ${id}` : over.body;
  return {
    id,
    articleId: 'a1',
    parentId: parent?.id ?? null,
    rootId: parent ? parent.rootId : id,
    author: { id: `user-${id}`, name: `Name ${id}` },
    body,
    doc: body === null ? null : renderMarkdown(body),
    status: 'visible',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    editedAt: null,
    replyCount: 0,
    ...over,
  };
}

function snapshot(comments: Comment[], over: Partial<Snapshot> = {}): Snapshot {
  return { articleId: 'a1', epoch: 'e', head: comments.length, sort: 'newest', count: comments.length, comments, cursor: null, ...over };
}

/** The comments of some markup in document order: id, depth, and what they show. */
function read(html: string) {
  const out: { id: string; depth: string; removed: boolean; text: string }[] = [];
  let current: (typeof out)[number] | null = null;
  let inBody = 0;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name === 'article') {
        current = { id: attrs['data-comment-id']!, depth: attrs['data-depth']!, removed: attrs['data-status'] === 'removed', text: '' };
        out.push(current);
      }
      if (current && /\blt-body\b/.test(attrs.class ?? '')) inBody = 1;
      else if (inBody) inBody++;
    },
    ontext(text) {
      if (current && inBody) current.text += text;
    },
    onclosetag() {
      if (inBody) inBody--;
    },
  });
  parser.write(html);
  parser.end();
  return out;
}

describe('thread.html', () => {
  it('lays the thread out as the widget does: newest root first, replies in order, deep ones flattened, removed ones kept only for their replies', () => {
    const a = comment('a');
    const b = comment('b');
    const b1 = comment('b1', b);
    const b2 = comment('b2', b1);
    const b3 = comment('b3', b2);
    const b4 = comment('b4', b3);
    const gone = comment('gone', null, { status: 'removed', body: null, author: null });
    const kept = comment('kept', null, { status: 'removed', body: null, author: null });
    const k1 = comment('k1', kept);
    const html = threadHtml(snapshot([a, b, b1, b2, b3, b4, gone, kept, k1], { count: 7 }), { now: Date.UTC(2026, 0, 1, 1) });
    expect(read(html).map((c) => [c.id, c.depth, c.removed])).toEqual([
      ['kept', '0', true],
      ['k1', '1', false],
      ['b', '0', false],
      ['b1', '1', false],
      ['b2', '2', false],
      ['b3', '3', false],
      ['b4', '3', false],
      ['a', '0', false],
    ]);
    expect(html).toContain('<span class="lt-count" aria-hidden="true">7</span>');
    expect(html).toMatch(/<span class="lt-replying-to">replying to <b dir="auto">Name b3<\/b><\/span>/);
  });

  it('escapes every text and attribute, shows staff, held and edited comments, and a closed thread', () => {
    const evil = comment('e1', null, {
      author: { id: 'u"><script>', name: '<img src=x onerror=alert(1)>', staff: true },
      body: '<script>alert(1)</script> [x](javascript:alert(1)) "quotes" & <b>',
      editedAt: new Date(Date.UTC(2026, 0, 1, 0, 30)).toISOString(),
    });
    const held = comment('h1', null, { status: 'pending' });
    const html = threadHtml(snapshot([evil, held], { closed: true }), { lang: 'fr' });
    expect(html).not.toMatch(/<(script|img)\b/);
    expect(html).toContain('data-author-id="u&quot;&gt;&lt;script&gt;"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) &quot;quotes&quot; &amp; &lt;b&gt;</p>');
    expect(html).toContain('>Équipe</span>');
    expect(html).toContain('<span class="lt-badge">En attente de validation</span>');
    expect(html).toContain('>(modifié)</span>');
    expect(html).toContain('<p class="lt-closed">Cette discussion est fermée aux nouveaux commentaires.</p>');
    expect(html).not.toContain('lt-reply"'); // no Reply in a closed thread
  });

  it('stays under its byte bound, leaving the rest to "Load more comments"', () => {
    const many = Array.from({ length: 60 }, (_, i) => comment(`c${i}`, null, { body: `${'x'.repeat(3000)} ${i}` }));
    const html = threadHtml(snapshot(many), { maxBytes: 64 * 1024 });
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(64 * 1024);
    const shown = read(html);
    expect(shown.length).toBeGreaterThan(3);
    expect(shown.length).toBeLessThan(60);
    expect(shown[0]!.id).toBe('c59');
    expect(html).toContain('lt-load-older');
  });

  it('takes its language from ?lang=, else Accept-Language', () => {
    expect(requestLang('de', 'fr')).toBe('de');
    expect(requestLang(undefined, 'pt-BR, es;q=0.8, en;q=0.5')).toBe('es');
    expect(requestLang(undefined, undefined)).toBe('en');
    expect(requestLang(['de'], 'fr')).toBe('fr');
  });
});
