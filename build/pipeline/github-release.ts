import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';

/** The parts of GitHub's release REST API the release stage uses. */
export interface GithubTarget {
  /** REST base, e.g. https://api.github.com (GitHub Actions sets GITHUB_API_URL). */
  readonly apiUrl: string;
  /** "owner/name". */
  readonly repo: string;
  readonly token: string;
}

export interface DraftRelease {
  readonly id: number;
  readonly htmlUrl: string;
  readonly uploadUrl: string;
}

export interface NewRelease {
  readonly tag: string;
  readonly name: string;
  readonly body: string;
  readonly targetCommitish: string | undefined;
}

interface ReleaseJson {
  id: number;
  tag_name: string;
  draft: boolean;
  html_url: string;
  upload_url: string;
}

async function request<T>(
  target: GithubTarget,
  method: string,
  url: string,
  body?: { json: unknown } | { file: string; size: number },
): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${target.token}`,
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'borgos-pipeline',
  };
  let payload: RequestInit['body'];
  if (body && 'json' in body) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers['Content-Type'] = 'application/octet-stream';
    headers['Content-Length'] = String(body.size);
    payload = Readable.toWeb(createReadStream(body.file)) as ReadableStream<Uint8Array>;
  }
  const response = await fetch(url, { method, headers, body: payload, ...(payload instanceof ReadableStream ? { duplex: 'half' } : {}) });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      const error = JSON.parse(text) as { message?: string; errors?: { field?: string; code?: string }[] };
      detail = [error.message, ...(error.errors ?? []).map((e) => `${e.field ?? '?'}: ${e.code ?? '?'}`)].filter(Boolean).join('; ');
    } catch {
      // not JSON: keep the raw body
    }
    throw new Error(`GitHub API ${method} ${new URL(url).pathname} answered ${response.status}: ${detail}`);
  }
  return JSON.parse(text) as T;
}

/** Creates a draft release; refuses when a release with that tag exists, draft or not. */
export async function createDraftRelease(target: GithubTarget, release: NewRelease): Promise<DraftRelease> {
  const base = `${target.apiUrl.replace(/\/$/, '')}/repos/${target.repo}/releases`;
  const existing = await request<ReleaseJson[]>(target, 'GET', `${base}?per_page=100`);
  const clash = existing.find((r) => r.tag_name === release.tag);
  if (clash) {
    throw new Error(
      `${target.repo} already has a ${clash.draft ? 'draft ' : ''}release for ${release.tag} (${clash.html_url}): delete it or pass another --release-tag`,
    );
  }
  const created = await request<ReleaseJson>(target, 'POST', base, {
    json: { tag_name: release.tag, target_commitish: release.targetCommitish, name: release.name, body: release.body, draft: true },
  });
  return { id: created.id, htmlUrl: created.html_url, uploadUrl: created.upload_url };
}

/** Uploads one file as a release asset, streamed; returns its download URL. */
export async function uploadAsset(target: GithubTarget, release: DraftRelease, file: string): Promise<string> {
  // upload_url is an RFC 6570 template such as ".../assets{?name,label}".
  const url = new URL(release.uploadUrl.replace(/\{[^}]*\}$/, ''));
  url.searchParams.set('name', path.basename(file));
  const { size } = await stat(file);
  const asset = await request<{ browser_download_url: string }>(target, 'POST', url.toString(), { file, size });
  return asset.browser_download_url;
}
