import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAsset {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly contentType: string | undefined;
}

export interface FakeRelease {
  readonly id: number;
  readonly tag_name: string;
  readonly name: string;
  readonly body: string;
  readonly draft: boolean;
  readonly target_commitish: string | undefined;
  readonly assets: FakeAsset[];
}

/**
 * A local HTTP server speaking the parts of GitHub's release REST API the release stage
 * uses: list releases, create a release, upload an asset to the release's upload_url.
 * It checks the token, the JSON body and the upload headers the way GitHub does and
 * answers with GitHub's status codes and error shapes.
 */
export class FakeGithub {
  readonly releases: FakeRelease[] = [];
  private server: Server | undefined;
  private base = '';

  constructor(
    readonly repo: string,
    readonly token: string,
  ) {}

  /** Starts on 127.0.0.1 (port 0: any free port) and returns the API base URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer(
      (req, res) => void this.handle(req, res).catch((err: unknown) => this.json(res, 500, { message: String(err) })),
    );
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((err) => (err ? reject(err) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    if (req.headers.authorization !== `Bearer ${this.token}` && req.headers.authorization !== `token ${this.token}`) {
      return this.json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const match = /^\/repos\/([^/]+\/[^/]+)\/releases(?:\/(\d+)\/assets)?$/.exec(url.pathname);
    if (!match || match[1] !== this.repo) return this.json(res, 404, { message: 'Not Found' });
    const releaseId = match[2];
    if (releaseId === undefined && req.method === 'GET')
      return this.json(
        res,
        200,
        this.releases.map((r) => this.releaseJson(r)),
      );
    if (releaseId === undefined && req.method === 'POST') return this.createRelease(req, res);
    if (releaseId !== undefined && req.method === 'POST')
      return this.uploadAsset(req, res, Number(releaseId), url.searchParams.get('name'));
    return this.json(res, 404, { message: 'Not Found' });
  }

  private async createRelease(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!req.headers['content-type']?.startsWith('application/json')) return this.json(res, 415, { message: 'Unsupported Media Type' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.json(res, 400, { message: 'Problems parsing JSON' });
    }
    if (typeof body.tag_name !== 'string' || body.tag_name === '')
      return this.validationFailed(res, 'Release', 'tag_name', 'missing_field');
    if (this.releases.some((r) => r.tag_name === body.tag_name)) return this.validationFailed(res, 'Release', 'tag_name', 'already_exists');
    const release: FakeRelease = {
      id: this.releases.length + 1,
      tag_name: body.tag_name,
      name: typeof body.name === 'string' ? body.name : body.tag_name,
      body: typeof body.body === 'string' ? body.body : '',
      draft: body.draft === true,
      target_commitish: typeof body.target_commitish === 'string' ? body.target_commitish : undefined,
      assets: [],
    };
    this.releases.push(release);
    return this.json(res, 201, this.releaseJson(release));
  }

  private async uploadAsset(req: IncomingMessage, res: ServerResponse, id: number, name: string | null): Promise<void> {
    const release = this.releases.find((r) => r.id === id);
    if (!release) return this.json(res, 404, { message: 'Not Found' });
    if (!name) return this.validationFailed(res, 'ReleaseAsset', 'name', 'missing_field');
    if (req.headers['content-length'] === undefined) return this.json(res, 411, { message: 'Length Required' });
    const bytes = await readBody(req);
    if (bytes.length !== Number(req.headers['content-length'])) return this.json(res, 400, { message: 'Bad Content-Length' });
    if (release.assets.some((a) => a.name === name)) return this.validationFailed(res, 'ReleaseAsset', 'name', 'already_exists');
    const asset = {
      name,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: req.headers['content-type'],
    };
    release.assets.push(asset);
    return this.json(res, 201, {
      id: release.assets.length,
      name,
      size: asset.size,
      state: 'uploaded',
      browser_download_url: `${this.base}/${this.repo}/releases/download/${release.tag_name}/${name}`,
    });
  }

  private releaseJson(r: FakeRelease): Record<string, unknown> {
    return {
      id: r.id,
      tag_name: r.tag_name,
      name: r.name,
      body: r.body,
      draft: r.draft,
      target_commitish: r.target_commitish,
      html_url: `${this.base}/${this.repo}/releases/tag/${r.draft ? `untagged-${r.id}` : r.tag_name}`,
      upload_url: `${this.base}/repos/${this.repo}/releases/${r.id}/assets{?name,label}`,
      assets: r.assets.map((a) => ({ name: a.name, size: a.size })),
    };
  }

  private validationFailed(res: ServerResponse, resource: string, field: string, code: string): void {
    this.json(res, 422, { message: 'Validation Failed', errors: [{ resource, field, code }] });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
