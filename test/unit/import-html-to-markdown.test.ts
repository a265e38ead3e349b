import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../server/core/markdown.js';
import { htmlText, htmlToMarkdown } from '../../server/import/html-to-markdown.js';
import { docToMarkdown, plainTextMarkdown, sameDoc } from '../../server/import/markdown-writer.js';
import type { Doc } from '../../shared/markdown.js';

/** Converts, and checks that the Markdown renders to the document the converter says it does. */
function convert(html: string, newlines: 'html' | 'text' = 'html') {
  const out = htmlToMarkdown(html, { newlines });
  expect(sameDoc(renderMarkdown(out.markdown), out.doc), `round trip of ${JSON.stringify(out.markdown)}`).toBe(true);
  return out;
}

describe('HTML bodies to the comment format', () => {
  it.each<[string, string, string, Doc]>([
    [
      'paragraphs and a line break',
      '<p>Hello</p><p>Line<br>break</p>',
      'Hello\n\nLine\nbreak',
      [
        ['p', 'Hello'],
        ['p', 'Line', ['br'], 'break'],
      ],
    ],
    [
      'strong and emphasis',
      '<p><b>bold</b>, <strong>strong</strong>, <i>it</i> and <em>em</em></p>',
      '**bold**, **strong**, *it* and *em*',
      [['p', ['strong', 'bold'], ', ', ['strong', 'strong'], ', ', ['em', 'it'], ' and ', ['em', 'em']]],
    ],
    [
      'a link',
      '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow">the docs</a>',
      '[the docs](<https://example.com/a?b=1&c=2>)',
      [['p', ['a', 'https://example.com/a?b=1&c=2', 'the docs']]],
    ],
    ['inline code with backticks', '<p>run <code>a `b` c</code></p>', 'run ``a `b` c``', [['p', 'run ', ['code', 'a `b` c']]]],
    [
      'a code block, as written',
      '<pre><code>if (a &lt; b) {\n  return;\n}</code></pre>',
      '```\nif (a < b) {\n  return;\n}\n```',
      [['pre', 'if (a < b) {\n  return;\n}']],
    ],
    ['a quote', '<blockquote><p>said</p><p>twice</p></blockquote>', '> said\n>\n> twice', [['blockquote', ['p', 'said'], ['p', 'twice']]]],
    [
      'lists, ordered from their start',
      '<ul><li>a</li><li>b</li></ul><ol start="3"><li>c</li><li>d</li></ol>',
      '- a\n- b\n\n3. c\n4. d',
      [
        ['ul', ['li', ['p', 'a']], ['li', ['p', 'b']]],
        ['ol', 3, ['li', ['p', 'c']], ['li', ['p', 'd']]],
      ],
    ],
    [
      'two lists in a row stay two',
      '<ul><li>a</li></ul><ul><li>b</li></ul>',
      '- a\n\n* b',
      [
        ['ul', ['li', ['p', 'a']]],
        ['ul', ['li', ['p', 'b']]],
      ],
    ],
    ['a nested list', '<ul><li>a<ul><li>b</li></ul></li></ul>', '- a\n\n  - b', [['ul', ['li', ['p', 'a'], ['ul', ['li', ['p', 'b']]]]]]],
    [
      'a heading, as strong text',
      '<h2>Title</h2><p>text</p>',
      '**Title**\n\ntext',
      [
        ['p', ['strong', 'Title']],
        ['p', 'text'],
      ],
    ],
  ])('%s', (_name, html, markdown, doc) => {
    const out = convert(html);
    expect(out.markdown).toBe(markdown);
    expect(out.doc).toEqual(doc);
    expect(out.fellBack).toBe(false);
  });

  it('decodes entities once: escaped tags and a double-encoded entity stay text', () => {
    const out = convert('&lt;b&gt;not bold&lt;/b&gt; &amp;lt; &amp;amp; &quot;q&quot; &#8217; &nbsp;x');
    expect(out.doc).toEqual([['p', '<b>not bold</b> &lt; &amp; "q" ’ x']]);
    expect(out.markdown).not.toMatch(/(?<!\\)<b>/);
  });

  it('escapes what Markdown would read as markup', () => {
    const out = convert(
      '<p>1. not a list</p><p>- nor this</p><p>&gt; nor a quote</p><p>*stars* _under_ [brackets](x) `ticks` snake_case ~~~</p>',
    );
    expect(out.doc).toEqual([
      ['p', '1. not a list'],
      ['p', '- nor this'],
      ['p', '> nor a quote'],
      ['p', '*stars* _under_ [brackets](x) `ticks` snake_case ~~~'],
    ]);
    // Inside a word an underscore cannot be emphasis: left as typed.
    expect(out.markdown).toContain('snake_case');
  });

  it('keeps links only for http, https and mailto; any other scheme is its text', () => {
    const out = convert(
      '<a href="javascript:alert(1)">js</a> <a href="data:text/html,x">data</a> <a href="vbscript:x">vb</a> <a href="mailto:a@example.com">mail</a> <a href="/relative">rel</a>',
    );
    expect(out.doc).toEqual([['p', 'js data vb ', ['a', 'mailto:a@example.com', 'mail'], ' rel']]);
  });

  it('makes bare http(s) URLs in text links, as a posted comment would, without the sentence punctuation', () => {
    const out = convert('<p>see https://example.com/a_(b). or http://x.example/path, then</p>');
    expect(out.doc).toEqual([
      [
        'p',
        'see ',
        ['a', 'https://example.com/a_(b)', 'https://example.com/a_(b)'],
        '. or ',
        ['a', 'http://x.example/path', 'http://x.example/path'],
        ', then',
      ],
    ]);
  });

  it('drops images for their alt text, or their URL when they have none', () => {
    expect(convert('<p>a <img src="https://i.example/cat.png" alt="a cat"> b</p>').doc).toEqual([['p', 'a a cat b']]);
    expect(convert('<p><img src="https://i.example/cat.png"></p>').doc).toEqual([
      ['p', ['a', 'https://i.example/cat.png', 'https://i.example/cat.png']],
    ]);
    expect(convert('<img src="javascript:alert(1)">').markdown).toBe('');
  });

  it('drops scripts, styles, frames and SVG with their content', () => {
    const out = convert(
      'a<script>alert(1)</script><style>p{}</style><iframe src="x">frame</iframe><svg><text>t</text></svg><noscript>n</noscript>b',
    );
    expect(out.doc).toEqual([['p', 'ab']]);
  });

  it('collapses white space as a browser does, and moves it out of emphasis', () => {
    const out = convert('<p>  First   line\n   continues,<b> bold </b>end  </p>');
    expect(out.doc).toEqual([['p', 'First line continues, ', ['strong', 'bold'], ' end']]);
    expect(out.markdown).toBe('First line continues, **bold** end');
  });

  it('reads WordPress text: a blank line is a paragraph, a newline a line break', () => {
    const out = convert('First line\nsecond line\n\nNew <em>paragraph</em>\r\n\r\n\r\nThird', 'text');
    expect(out.doc).toEqual([
      ['p', 'First line', ['br'], 'second line'],
      ['p', 'New ', ['em', 'paragraph']],
      ['p', 'Third'],
    ]);
  });

  it('survives broken HTML: unclosed and stray tags, a list item outside a list', () => {
    const out = convert('<p>open <b>bold <i>both</p><li>item</li></ul></div>after');
    expect(out.doc[0]).toEqual(['p', 'open ', ['strong', 'bold ', ['em', 'both']]]);
    expect(out.doc.slice(1)).toEqual([
      ['ul', ['li', ['p', 'item']]],
      ['p', 'after'],
    ]);
  });

  it('keeps as plain text a block whose styling Markdown cannot say', () => {
    // CommonMark does not close `*` between a quote mark and a letter.
    const out = convert('<p><em>"quoted"</em>word and <b>more</b></p>');
    expect(out.fellBack).toBe(true);
    expect(out.doc).toEqual([['p', '"quoted"word and more']]);
  });

  it('flattens quotes nested deeper than anyone reads', () => {
    const html = '<blockquote>'.repeat(30) + 'deep' + '</blockquote>'.repeat(30);
    const out = convert(html);
    let depth = 0;
    let node: unknown = out.doc[0];
    while (Array.isArray(node) && node[0] === 'blockquote') {
      depth++;
      node = node[1];
    }
    expect(depth).toBeLessThanOrEqual(8);
    expect(JSON.stringify(out.doc)).toContain('deep');
  });

  it.each(
    // The repository's copy of ../shared/xss-payloads.txt, so that any clone runs it.
    readFileSync(new URL('../e2e/xss-payloads.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('# ')),
  )('makes an XSS payload inert text: %s', (payload) => {
    const out = convert(payload);
    const json = JSON.stringify(out.doc);
    // No link but http(s) or mailto, no element but the document's own.
    for (const href of json.matchAll(/\["a","([^"]*)"/g)) expect(href[1]).toMatch(/^(https?|mailto):/);
    // Every `<` is escaped text, or opens a link destination `](<https://…>)`.
    expect(out.markdown).not.toMatch(/(?<!\\|\]\()<[a-z!/?]/i);
  });
});

describe('the Markdown writer', () => {
  it('reads back what it writes, for documents of every kind', () => {
    const docs: Doc[] = [
      [['p', 'a ', ['em', 'b'], ' ', ['strong', 'c ', ['em', 'd']], ' ', ['code', '`x`'], ['br'], '+ not a list']],
      [['blockquote', ['ul', ['li', ['p', 'x'], ['pre', 'code\n\n  more']]], ['p', 'after']]],
      [
        ['ol', 9, ['li', ['p', 'nine']], ['li', ['p', 'ten']]],
        ['ol', 1, ['li', ['p', 'again']]],
      ],
      [['p', ['a', 'https://example.com/x(1)', 'link ', ['em', 'text']]]],
      [['p', '&amp; \\ backslash ', ['code', ' padded ']]],
    ];
    for (const doc of docs) expect(renderMarkdown(docToMarkdown(doc))).toEqual(doc);
  });

  it('writes plain text that renders as exactly that text', () => {
    const text = '*a* _b_ [c](d) <e> `f` # g\n> h\n1. i\n- j';
    expect(renderMarkdown(plainTextMarkdown(text))).toEqual([
      ['p', '*a* _b_ [c](d) <e> `f` # g', ['br'], '> h', ['br'], '1. i', ['br'], '- j'],
    ]);
  });
});

describe('htmlText', () => {
  it('decodes entities and keeps a < as text', () => {
    expect(htmlText('Erin &amp; Co &lt;3 &#8217; <b>')).toBe('Erin & Co <3 ’ <b>');
  });
});
