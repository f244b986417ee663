/**
 * Where a share lives on the public internet. Absolute URLs from the configured public
 * URL: they end up in link previews, JSON-LD and other sites' pages, where a relative
 * URL means nothing.
 */
export class ShareUrls {
  private readonly base: string;

  constructor(
    publicUrl: string,
    private readonly apiPrefix: string,
  ) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  get origin(): string {
    return new URL(this.base).origin;
  }

  page = (shareId: string) => `${this.base}/share/${shareId}`;
  api = (shareId: string) => `${this.base}${this.apiPrefix}/share/${shareId}`;
  video = (shareId: string) => `${this.api(shareId)}/video`;
  frames = (shareId: string) => `${this.api(shareId)}/frames`;
  frameImage = (shareId: string, frameId: string) => `${this.frames(shareId)}/${frameId}/image`;
  poster = (shareId: string) => `${this.api(shareId)}/poster.jpg`;
  ogImage = (shareId: string) => `${this.api(shareId)}/og.png`;
  jsonld = (shareId: string) => `${this.api(shareId)}/jsonld`;
}
