/**
 * URLs and domains in OCR text. Screen text is where page addresses come from (the
 * address bar, links in documents), and OCR mangles them in predictable ways: the
 * colon of `https://` is lost or becomes a semicolon, spaces appear around dots and
 * slashes, a comma stands in for a dot, an `l` becomes a `|`, and sentence punctuation
 * sticks to the end.
 * Browsers also hide the scheme, so `github.com/iris` must count as a URL.
 *
 * Local files count too: `file:///…` as Firefox shows it, and Chromium's "File" chip
 * followed by the bare path (`ⓘ File  /usr/share/doc/x.html`), which OCR reads with its
 * own damage (`jusr/` for `/usr/`, `htm|` or `htm!` for `html`, `. html`).
 *
 * Bare domains (no scheme, no www) are only accepted with a known TLD, and TLDs that
 * are also file extensions (`.so`, `.py`, `.md`, `.rs`…) only when a path follows, so
 * `setup.py` and `libc.so.6` in a terminal are not mistaken for websites.
 */
export interface FoundUrl {
  /** Normalised: scheme and host lower-cased, `https://` added when missing, no trailing slash on a bare host. */
  url: string;
  /** Host without a leading `www.`. */
  domain: string;
  /** The text as it appeared (after OCR repair). */
  raw: string;
}

const COMMON_TLDS =
  'com org net edu gov mil int io co ai app dev me info biz us uk ca de fr es it nl se no dk fi pl ch at be ie au nz jp cn in br mx ru ua eu tv cc xyz tech online site store cloud page blog news live gg fm ly to is im tk gl nu la ac is id kr sg hk tw za cz pt gr hu ro tr il ar cl'.split(
    ' ',
  );
/** Real TLDs that are also common file extensions: bare, only with a path after them. */
const AMBIGUOUS_TLDS = 'so sh py rs md pl zip mov ps cx pm sc mk'.split(' ');
const KNOWN_TLDS = new Set([...COMMON_TLDS, ...AMBIGUOUS_TLDS]);

const URL_CHARS = String.raw`[^\s<>"'\`{}|\\^]`;
const TLD_ALT = [...KNOWN_TLDS].sort((a, b) => b.length - a.length).join('|');
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/**
 * Local and intranet addresses as an address bar shows them (`127.0.0.1:8765/page`,
 * `localhost:3000`): no scheme and no TLD, so a port or a path is required, which keeps
 * dotted version numbers out.
 */
const LOCAL = new RegExp(
  String.raw`(?<![\w@./:-])((?:\d{1,3}\.){3}\d{1,3}|localhost)(?:(?::\d{2,5})(?:/${URL_CHARS}*)?|/${URL_CHARS}*)`,
  'gi',
);

const SCHEMED = new RegExp(String.raw`\bhttps?://${URL_CHARS}+`, 'gi');
const FILE_SCHEMED = new RegExp(String.raw`\bfile:///${URL_CHARS}+`, 'gi');
/**
 * A path after Chromium's "File" chip: absolute, two folders deep at least, ending in a
 * file with an extension (a sentence that says "file /tmp" is not an address).
 */
const FILE_CHIP = new RegExp(
  String.raw`(?<=(?<![a-z]{2})file\s{1,4})/(?:[\w.@%+~-]+/){2,}[\w.@%+~-]*\.[a-z0-9]{1,6}(?![\w/])`,
  'gi',
);
/** Top-level folders a local path starts with: what a misread leading slash is recognised by. */
const ROOTS = 'usr|home|tmp|var|opt|etc|mnt|media|srv|root|Users|Library|Volumes|private';
const ROOT_NAMES = ROOTS.split('|');
/** "File" and the first folder of its path, with whatever OCR made of the leading slash. */
const CHIP_ROOT = /(?<![a-z]{2})(file\s{1,4})(?:[j_|!l]\s?\/?|\/?)([a-z]{3,8})\//gi;
const WWW = new RegExp(String.raw`\bwww\d?\.${URL_CHARS}+`, 'gi');
const BARE = new RegExp(
  String.raw`(?<![\w@./-])((?:${LABEL}\.)+(${TLD_ALT}))(?![\w-])((?::\d{2,5})?(?:/${URL_CHARS}*)?)`,
  'gi',
);

/** Undo the usual OCR damage so the patterns below can match. */
export function repairOcrUrlText(text: string): string {
  return (
    text
      // "https //", "https: //", "https:/ /", "http;//", "https:\\"
      .replace(
        /\b(https?)\s*[:;.,]?\s*[/\\]\s*[/\\]\s*/gi,
        (_m, scheme: string) => `${scheme.toLowerCase()}://`,
      )
      // "www .example", "www, example"
      .replace(/\bwww\s*[.,]\s*/gi, 'www.')
      // "example .com", "example. com/x", "example,com"
      .replace(
        new RegExp(String.raw`\b(${LABEL})\s*[.,]\s*(${COMMON_TLDS.join('|')})(?=[/:\s]|$)`, 'gim'),
        (m, label: string, tld: string) =>
          // A sentence that ends before "It" or "In" must not become a domain.
          /[A-Z]/.test(tld) ? m : `${label}.${tld}`,
      )
      // "example.com / pricing" after a domain-looking token
      .replace(new RegExp(String.raw`(\.(?:${TLD_ALT}))\s+/\s*(?=\w)`, 'gi'), '$1/')
      // "page.htm|", "github.com/he|p": a bar right after a letter, in a token that has
      // a dot or slash before it, is an l (a separator in a title has spaces around it)
      .replace(/(?<=[./][^\s|]*[a-z])\|(?=[a-z0-9/?#._-]|\s|$)/gim, 'l')
      // "page.htm!", "page.htmI", "page.htm1", "page. html": the end of an .html address
      .replace(/(?<=\w)\.\s(html?|php|aspx?|pdf)(?![\w.])/g, '.$1')
      .replace(/(?<=[\w/.]htm)[!I1i](?=[/\s]|$)/gm, 'l')
      // Chromium's file chip: "File jusr/share…", "File _/usr/share…": the slash misread,
      // and the root itself misread by a letter ("ust/share")
      .replace(CHIP_ROOT, (m, chip: string, root: string) => {
        const known = nearestRoot(root);
        return known ? `${chip}/${known}/` : m;
      })
  );
}

/**
 * The filesystem root a file chip's first segment stands for: itself when it is one,
 * else the only root of the same length that differs from it in one letter (OCR's usual
 * damage: "ust" for "usr"); undefined when it is not a root.
 */
function nearestRoot(segment: string): string | undefined {
  const exact = ROOT_NAMES.find((r) => r.toLowerCase() === segment.toLowerCase());
  if (exact) return exact;
  if (segment.length < 3) return undefined;
  const near = ROOT_NAMES.filter((r) => {
    if (r.length !== segment.length) return false;
    let differ = 0;
    for (let i = 0; i < r.length; i++) if (r[i]!.toLowerCase() !== segment[i]!.toLowerCase()) differ++;
    return differ === 1;
  });
  return near.length === 1 ? near[0] : undefined;
}

export function extractUrls(text: string): FoundUrl[] {
  const repaired = repairOcrUrlText(text);
  const found: Array<{ at: number; raw: string }> = [];
  const taken: Array<[number, number]> = [];
  const add = (at: number, raw: string) => {
    const end = at + raw.length;
    if (taken.some(([s, e]) => at < e && end > s)) return;
    taken.push([at, end]);
    found.push({ at, raw });
  };
  for (const m of repaired.matchAll(SCHEMED)) add(m.index, trimTrailing(m[0]));
  for (const m of repaired.matchAll(FILE_SCHEMED)) add(m.index, trimTrailing(m[0]));
  for (const m of repaired.matchAll(FILE_CHIP)) add(m.index, `file://${m[0]}`);
  for (const m of repaired.matchAll(WWW)) add(m.index, trimTrailing(m[0]));
  for (const m of repaired.matchAll(LOCAL)) add(m.index, trimTrailing(m[0]));
  for (const m of repaired.matchAll(BARE)) {
    const tld = m[2]!.toLowerCase();
    const path = m[3] ?? '';
    if (AMBIGUOUS_TLDS.includes(tld) && !path.startsWith('/')) continue;
    add(m.index, trimTrailing(m[0]));
  }
  const out: FoundUrl[] = [];
  const seen = new Set<string>();
  for (const { raw } of found.sort((a, b) => a.at - b.at)) {
    const normalised = normaliseUrl(raw);
    if (!normalised || seen.has(normalised.url)) continue;
    seen.add(normalised.url);
    out.push({ ...normalised, raw });
  }
  return out;
}

/** How many non-empty lines from the top of a frame may hold a browser's address bar (under the tab strip). */
export const ADDRESS_BAR_LINES = 4;

/**
 * The address a frame's browser shows: the first URL in its top lines. One further down
 * is a link or a path in the content (an editor's "File /usr/lib/x.py opened"), not where
 * the screen is.
 */
export function addressBar(ocrText: string): FoundUrl | undefined {
  const top = ocrText
    .split('\n')
    .filter((line) => line.trim())
    .slice(0, ADDRESS_BAR_LINES)
    .join('\n');
  return extractUrls(top)[0];
}

/** Distinct domains, in order of first appearance. */
export function extractDomains(text: string): string[] {
  return [...new Set(extractUrls(text).map((u) => u.domain))];
}

export function normaliseUrl(raw: string): { url: string; domain: string } | undefined {
  if (/^file:\/\/\//i.test(raw)) {
    try {
      return { url: new URL(raw).href, domain: '' };
    } catch {
      return undefined;
    }
  }
  // Browsers hide the scheme; local addresses are almost always plain http.
  const local = /^(?:localhost|\d{1,3}(?:\.\d{1,3}){3})(?=[:/]|$)/i.test(raw);
  const withScheme = /^https?:\/\//i.test(raw) ? raw : `${local ? 'http' : 'https'}://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return undefined;
  }
  const host = u.hostname.replace(/\.$/, '');
  if (!isPlausibleHost(host)) return undefined;
  u.hostname = host;
  let url = u.toString();
  if (u.pathname === '/' && !u.search && !u.hash) url = url.replace(/\/$/, '');
  return { url, domain: host.replace(/^www\d?\./, '') };
}

function isPlausibleHost(host: string): boolean {
  if (host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')) return true;
  const labels = host.split('.');
  if (labels.length < 2 || labels.some((l) => !l || l.length > 63)) return false;
  const tld = labels[labels.length - 1]!;
  return /^(?:[a-z]{2,24}|xn--[a-z0-9-]+)$/.test(tld);
}

/** Sentence punctuation stuck to the end, and closing brackets that were never opened. */
function trimTrailing(raw: string): string {
  let s = raw;
  for (;;) {
    const last = s.charAt(s.length - 1);
    if (/[.,;:!?'"’”…]/.test(last)) s = s.slice(0, -1);
    else if (last === ')' && count(s, '(') < count(s, ')')) s = s.slice(0, -1);
    else if (last === ']' && count(s, '[') < count(s, ']')) s = s.slice(0, -1);
    else return s;
  }
}

const count = (s: string, ch: string) => s.split(ch).length - 1;
