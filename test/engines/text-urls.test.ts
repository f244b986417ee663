import { describe, expect, it } from 'vitest';
import { addressBar, extractDomains, extractUrls, normaliseUrl } from '../../src/engines/text/urls.js';

const urls = (text: string) => extractUrls(text).map((u) => u.url);

describe('URL extraction from OCR text', () => {
  it.each([
    ['Visit https://example.com/pricing.', ['https://example.com/pricing']],
    ['www.github.com/iris', ['https://www.github.com/iris']],
    ['Docs at https //docs.example.org/guide?x=1, then lunch', ['https://docs.example.org/guide?x=1']],
    ['http:/ /Example.COM/a/B', ['http://example.com/a/B']],
    ['link: https;//status.example.io)', ['https://status.example.io']],
    ['www . iris-app.dev/login', ['https://www.iris-app.dev/login']],
    ['see example. com/pricing and gitlab,com', ['https://example.com/pricing', 'https://gitlab.com']],
    ['(https://en.wikipedia.org/wiki/Foo_(bar))', ['https://en.wikipedia.org/wiki/Foo_(bar)']],
    ['news.ycombinator.com  Hacker News', ['https://news.ycombinator.com']],
    ['open notion.so/team-notes now', ['https://notion.so/team-notes']],
    ['127.0.0.1:8765/invoice.htm| You are', ['http://127.0.0.1:8765/invoice.html']],
    ['github.com/he|p | GitHub', ['https://github.com/help']],
    [
      'API at http://localhost:3000/api/v1 and http://10.0.0.5:8080',
      ['http://localhost:3000/api/v1', 'http://10.0.0.5:8080'],
    ],
  ])('%j', (text, expected) => {
    expect(urls(text)).toEqual(expected);
  });

  it.each([
    'python setup.py install',
    'ls /usr/lib/libc.so.6',
    'Write to bob@example.com',
    'The end. It was good.',
    'version 2.4.1 released',
    'README.md and main.rs',
    'Pricing | Example',
  ])('finds no URL in %j', (text) => {
    expect(urls(text)).toEqual([]);
  });

  it('gives the domain without www, deduplicated, in order of appearance', () => {
    const text = 'https://www.github.com/iris/issues\nhttps://github.com/iris/pulls\nwww.figma.com/file/1';
    expect(extractDomains(text)).toEqual(['github.com', 'figma.com']);
    expect(extractUrls('https://a.example.com/x https://a.example.com/x.')).toHaveLength(1);
    expect(extractUrls('Visit https //Example.com/Pricing!')[0]).toEqual({
      url: 'https://example.com/Pricing',
      domain: 'example.com',
      raw: 'https://Example.com/Pricing',
    });
  });

  it('normalises scheme, host case, default ports and a bare trailing slash', () => {
    expect(normaliseUrl('HTTPS://WWW.Example.COM:443/')).toEqual({
      url: 'https://www.example.com',
      domain: 'example.com',
    });
    expect(normaliseUrl('example.com./a')).toEqual({ url: 'https://example.com/a', domain: 'example.com' });
    expect(normaliseUrl('not a url')).toBeUndefined();
  });
});

describe('address-bar addresses without a scheme', () => {
  it('finds local and intranet addresses with a port or path, and keeps version numbers out', () => {
    expect(extractUrls('© © 127.0.0.1:8765/roadmap.html\nYou are').map((u) => u.url)).toEqual([
      'http://127.0.0.1:8765/roadmap.html',
    ]);
    expect(extractUrls('go to localhost:3000/api now').map((u) => u.url)).toEqual([
      'http://localhost:3000/api',
    ]);
    expect(extractUrls('version 1.2.3.4 and 10.0.0.5 released')).toEqual([]);
  });
});

describe('local files', () => {
  it("reads Chromium's File chip and Firefox's file:/// whole, through the OCR damage seen on real recordings", () => {
    // OCR of Chromium's address bar (x11grab, 1280×720) on Debian's PostgreSQL and Git documentation.
    const seen: Array<[string, string]> = [
      [
        '© CREATE TABLE x + | @  QFile /usr/share/doc/postgresq|-doc-15/html/sql-createtable.htm|',
        'postgresql-doc-15/html/sql-createtable.html',
      ],
      [
        '€ C@  @File /usr/share/doc/postgresql-doc-15/htm|/tutorial-join.html',
        'postgresql-doc-15/html/tutorial-join.html',
      ],
      [
        '€ CG OFile _/usr/share/doc/postgresql-doc-15/html/indexes-types.html + ®@',
        'postgresql-doc-15/html/indexes-types.html',
      ],
      [
        'C@ — OFile /usr/share/doc/postgresql-doc-15/htmI/datatype-json. html x @',
        'postgresql-doc-15/html/datatype-json.html',
      ],
      [
        'Y @ 8.14.JSON Types x + | € CG OFile _/usr/share/doc/postgresql-doc-15/htmI/datatype-json. htm! x @',
        'postgresql-doc-15/html/datatype-json.html',
      ],
      ['€ 2 G = @fFile jusr/share/doc/git-doc/git-rebase.html bd', 'git-doc/git-rebase.html'],
      ['€ > G @File /usr/share/doc/git-doc/git-bisect.htm|', 'git-doc/git-bisect.html'],
      ['@ = © File /usr/share/doc/git-doc/git-log.htmi x', 'git-doc/git-log.html'],
      [
        '€ X @File _/ust/share/doc/postgresql-doc-15/htm|/tutorial-join.html',
        'postgresql-doc-15/html/tutorial-join.html',
      ],
      [
        'v @ SELECT x + | CG OFile /usr/share/doc/postgresql-doc-15/html/sql-select.htm!',
        'postgresql-doc-15/html/sql-select.html',
      ],
    ];
    for (const [text, file] of seen) {
      expect(
        extractUrls(text).map((u) => u.url),
        text,
      ).toEqual([`file:///usr/share/doc/${file}`]);
    }
    expect(extractUrls('file:///home/ada/notes.txt').map((u) => u.url)).toEqual([
      'file:///home/ada/notes.txt',
    ]);
  });

  it('keeps prose about files and paths without a file name out', () => {
    expect(extractUrls('Open the file /etc/hosts.')).toEqual([]);
    expect(extractUrls('see the profile /usr/share/doc/x/readme.txt')).toEqual([]);
    expect(extractUrls('File /tmp opened')).toEqual([]);
  });

  it("takes a frame's address from its top lines only", () => {
    const editor =
      'File Edit Search View\nsymbols\nClasses\nTextWrapper\n\n19:40:30: File /usr/lib/python3.11/textwrap.py opened (1).';
    expect(addressBar(editor)).toBeUndefined();
    expect(extractUrls(editor).map((u) => u.url)).toEqual(['file:///usr/lib/python3.11/textwrap.py']);
    expect(addressBar('tab x +\n© 127.0.0.1:8765/roadmap.html\nRoadmap')?.url).toBe(
      'http://127.0.0.1:8765/roadmap.html',
    );
  });
});
