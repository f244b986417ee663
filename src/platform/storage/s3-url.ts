export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending in '/'), so deployments can share one. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Absent: the SDK's default chain (AWS_* variables, profiles, instance roles). */
  credentials?: S3Credentials;
}

const KNOWN_PARAMS = new Set(['endpoint', 'region', 'force_path_style']);

/**
 * `s3://bucket[/prefix]?endpoint=http://host:port&region=…&force_path_style=true`.
 * Credentials come from IRIS_S3_ACCESS_KEY/IRIS_S3_SECRET_KEY when set, never from the
 * URL, so the URL can be logged.
 */
export function parseS3Url(storageUrl: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  const url = new URL(storageUrl);
  if (url.protocol !== 's3:') throw new Error(`Not an s3:// URL: ${storageUrl}`);
  if (url.username || url.password)
    throw new Error('Put S3 credentials in IRIS_S3_ACCESS_KEY/IRIS_S3_SECRET_KEY, not the URL');
  const bucket = decodeURIComponent(url.hostname);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new Error(`Invalid S3 bucket name "${bucket}"`);
  for (const name of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(name))
      throw new Error(`Unknown S3 URL parameter "${name}" (use endpoint, region, force_path_style)`);
  }

  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new Error(`S3 endpoint must be an http(s) URL, got "${endpoint}"`);
  }
  const pathStyle = url.searchParams.get('force_path_style');
  if (pathStyle !== null && !['true', 'false', '1', '0'].includes(pathStyle)) {
    throw new Error('force_path_style must be true or false');
  }
  const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');

  const accessKeyId = env.IRIS_S3_ACCESS_KEY;
  const secretAccessKey = env.IRIS_S3_SECRET_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new Error('Set both IRIS_S3_ACCESS_KEY and IRIS_S3_SECRET_KEY, or neither');
  }

  return {
    bucket,
    prefix: path ? `${path}/` : '',
    ...(endpoint ? { endpoint } : {}),
    region: url.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // Self-hosted servers (MinIO, Ceph, Garage) rarely have wildcard DNS for
    // virtual-host buckets, so path style is the default whenever an endpoint is given.
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true' || pathStyle === '1',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
}
