import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type RefObject,
  type SyntheticEvent,
} from 'react';
import {
  API,
  ApiError,
  api,
  get,
  isTerminal,
  type Frame,
  type Page,
  type Recording,
  type RecordingContext,
  type RecordingStatusInfo,
  type ShareLink,
  type TranscriptSegment,
} from '../api';
import { useMediaSource } from '../media';
import { Link, useRouter, useSearchParam } from '../router';
import { useSession } from '../session';
import {
  CopyButton,
  Empty,
  ErrorNotice,
  Loading,
  ProgressBar,
  StatusBadge,
  errorMessage,
  formatBytes,
  formatClock,
  formatDate,
  useAsync,
  usePageTitle,
} from '../ui';
import { StageChips, StageTable } from './Stages';
import { useAction } from '../use-action';

const POLL_MS = 3000;

/** Resolves to undefined on 404: the part does not exist (yet) on this server. */
async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

export function RecordingPage({ id }: { id: string }) {
  const rec = useAsync((signal) => get<Recording>(`/recordings/${id}`, undefined, signal), [id]);
  const [generation, setGeneration] = useState(0);
  const status = useStatus(id, rec.data, () => {
    rec.reload();
    setGeneration((g) => g + 1);
  });
  const context = useAsync(
    (signal) => optional(get<RecordingContext>(`/recordings/${id}/context`, undefined, signal)),
    [id, generation],
  );
  const frames = useAsync(
    (signal) => optional(get<Page<Frame>>(`/recordings/${id}/frames`, { limit: 200 }, signal)),
    [id, generation],
  );
  usePageTitle(rec.data?.title ?? 'Recording');

  const videoRef = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  const [currentTime, setCurrentTime] = useState(0);
  const seek = useCallback((t: number) => {
    const v = videoRef.current;
    if (!v) return;
    v.currentTime = t;
    setCurrentTime(t);
    void v.play().catch(() => {
      // Autoplay may be refused; the position is set anyway.
    });
    v.focus({ preventScroll: true });
  }, []);

  if (rec.error !== undefined) {
    return (
      <div className="page">
        <p>
          <Link to="/">← Recordings</Link>
        </p>
        <ErrorNotice error={rec.error} onRetry={rec.reload} />
      </div>
    );
  }
  if (!rec.data) return <Loading label="Loading recording…" />;
  const r = rec.data;
  const liveStatus = status?.status ?? r.status;

  return (
    <div className="page page-wide">
      <p className="breadcrumb">
        <Link to="/">← Recordings</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>{r.title}</h1>
          <p className="muted small">
            {formatDate(r.created_at)} · {formatClock(r.duration_seconds)} · {formatBytes(r.size_bytes)}
            {r.width && r.height ? ` · ${r.width}×${r.height}` : ''}
            {context.data?.language ? ` · ${context.data.language}` : ''}
          </p>
        </div>
        <div className="row">
          <StatusBadge status={liveStatus} />
          <RecordingActions recording={r} status={liveStatus} onChange={rec.reload} />
        </div>
      </div>

      {!isTerminal(liveStatus) && status && (
        <section className="card processing" aria-label="Processing progress">
          <div className="row row-between">
            <strong>Processing… {Math.round(status.progress * 100)}%</strong>
            <span className="muted small">Updates every few seconds</span>
          </div>
          <ProgressBar value={status.progress} label="Processing progress" />
          <StageChips stages={status.stages} />
        </section>
      )}
      {liveStatus === 'failed' && (status?.error ?? r.error) && (
        <ErrorNotice error={new Error(status?.error ?? r.error ?? '')} title="Processing failed" />
      )}

      <div className="recording-layout">
        <div className="recording-main">
          <Player recording={r} videoRef={videoRef} onTime={setCurrentTime} />
          <SharePanel recording={r} />
          <Timeline context={context.data} onSeek={seek} currentTime={currentTime} />
        </div>
        <aside className="recording-side" aria-label="Transcript">
          <Transcript
            segments={context.data?.transcript}
            loading={context.loading && !context.data}
            error={context.error}
            currentTime={currentTime}
            onSeek={seek}
            processing={!isTerminal(liveStatus)}
          />
        </aside>
      </div>

      {context.error !== undefined && <ErrorNotice error={context.error} onRetry={context.reload} />}
      <ContextPanels context={context.data} processing={!isTerminal(liveStatus)} onSeek={seek} />

      <section className="section" aria-labelledby="frames-heading">
        <h2 id="frames-heading">Frames</h2>
        <FramesGrid frames={frames} processing={!isTerminal(liveStatus)} onSeek={seek} />
      </section>

      {status && (
        <details className="section details">
          <summary>Processing details</summary>
          <StageTable stages={status.stages} />
        </details>
      )}
    </div>
  );
}

/** Polls /status while the recording is in flight; calls `onFinish` when it settles. */
function useStatus(id: string, rec: Recording | undefined, onFinish: () => void) {
  const [status, setStatus] = useState<RecordingStatusInfo | undefined>(undefined);
  const finishRef = useRef(onFinish);
  finishRef.current = onFinish;
  const initial = rec?.status;

  useEffect(() => {
    if (!initial) return;
    let stopped = false;
    let timer: number | undefined;
    const ctrl = new AbortController();
    let sawActive = !isTerminal(initial);
    const tick = async () => {
      let delay = POLL_MS;
      try {
        const s = await get<RecordingStatusInfo>(`/recordings/${id}/status`, undefined, ctrl.signal);
        if (stopped) return;
        setStatus(s);
        if (isTerminal(s.status)) {
          if (sawActive) finishRef.current();
          return;
        }
        sawActive = true;
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.retryAfterSeconds) delay = err.retryAfterSeconds * 1000;
        else if (err instanceof ApiError && err.status === 404) return;
      }
      if (!stopped) timer = window.setTimeout(() => void tick(), delay);
    };
    void tick();
    return () => {
      stopped = true;
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [id, initial]);
  return status;
}

function Player({
  recording: r,
  videoRef,
  onTime,
}: {
  recording: Recording;
  videoRef: RefObject<(HTMLVideoElement & HTMLAudioElement) | null>;
  onTime: (t: number) => void;
}) {
  const playable = r.status !== 'uploading' && (r.has_video !== false || r.has_audio !== false);
  const media = useMediaSource(playable ? `${API}/recordings/${r.id}/video` : undefined);
  const t = useSearchParam('t');
  const startAt = t !== null && Number.isFinite(Number(t)) ? Math.max(0, Number(t)) : undefined;
  const seeked = useRef<string | null>(null);

  // ?t=… (from search): jump there once the media knows its duration.
  const onLoaded = () => {
    const v = videoRef.current;
    if (!v || startAt === undefined || seeked.current === `${r.id}:${t}`) return;
    seeked.current = `${r.id}:${t}`;
    v.currentTime = startAt;
    onTime(startAt);
  };
  useEffect(() => {
    const v = videoRef.current;
    if (v && v.readyState >= 1) onLoaded();
  });

  if (!playable) {
    return <div className="player player-empty">The media is still uploading.</div>;
  }
  if (media.error !== undefined) return <ErrorNotice error={media.error} title="Could not load the media" />;
  const audioOnly = r.has_video === false;
  const common = {
    ref: videoRef,
    controls: true,
    preload: 'metadata' as const,
    src: media.src,
    onLoadedMetadata: onLoaded,
    onTimeUpdate: (e: SyntheticEvent<HTMLMediaElement>) => onTime(e.currentTarget.currentTime),
    onSeeked: (e: SyntheticEvent<HTMLMediaElement>) => onTime(e.currentTarget.currentTime),
    'aria-label': `${audioOnly ? 'Audio' : 'Video'}: ${r.title}`,
  };
  return (
    <div className={`player${audioOnly ? ' player-audio' : ''}`}>
      {media.src ? (
        audioOnly ? (
          <audio {...common} />
        ) : (
          <video {...common} poster={r.poster_url ?? undefined} playsInline />
        )
      ) : (
        <Loading label="Preparing the player…" />
      )}
      {media.mode === 'download' && media.src && (
        <p className="muted small">Playing a downloaded copy (this browser cannot stream it here).</p>
      )}
    </div>
  );
}

function RecordingActions({
  recording: r,
  status,
  onChange,
}: {
  recording: Recording;
  status: Recording['status'];
  onChange: () => void;
}) {
  const { can } = useSession();
  const { navigate } = useRouter();
  const { busy, error, run: act } = useAction();
  return (
    <>
      {status === 'failed' && can('recording:control') && (
        <button
          type="button"
          className="btn btn-secondary btn-small"
          disabled={busy}
          onClick={() =>
            void act(async () => {
              await api('POST', `/recordings/${r.id}/retry`);
              onChange();
            })
          }
        >
          Retry processing
        </button>
      )}
      {can('recording:delete') && (
        <button
          type="button"
          className="btn btn-danger btn-small"
          disabled={busy}
          onClick={() => {
            if (!window.confirm(`Delete “${r.title}” and all its files? This cannot be undone.`)) return;
            void act(async () => {
              await api('DELETE', `/recordings/${r.id}`);
              navigate('/', { replace: true });
            });
          }}
        >
          Delete
        </button>
      )}
      {error !== undefined && (
        <span className="error-text small" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </>
  );
}

function SharePanel({ recording: r }: { recording: Recording }) {
  const { can } = useSession();
  const [link, setLink] = useState<string | null>(r.share?.share_url ?? null);
  const { busy, error, run } = useAction();
  useEffect(() => setLink(r.share?.share_url ?? null), [r.share?.share_url]);
  if (!can('recording:share')) return null;

  const toggle = () =>
    run(async () => {
      if (link) {
        await api('DELETE', `/recordings/${r.id}/share`);
        setLink(null);
      } else {
        const res = await api<ShareLink>('POST', `/recordings/${r.id}/share`);
        setLink(res.url);
      }
    });

  return (
    <section className="card share" aria-labelledby="share-heading">
      <div className="row row-between">
        <h2 id="share-heading" className="h3">
          Public link
        </h2>
        <button
          type="button"
          role="switch"
          aria-checked={Boolean(link)}
          aria-labelledby="share-heading"
          className={`switch${link ? ' on' : ''}`}
          disabled={busy}
          onClick={() => void toggle()}
        >
          <span className="switch-knob" aria-hidden="true" />
          <span className="switch-text">{link ? 'On' : 'Off'}</span>
        </button>
      </div>
      {link ? (
        <div className="share-link">
          <label className="visually-hidden" htmlFor="share-url">
            Public link
          </label>
          <input id="share-url" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={link} />
          <a href={link} target="_blank" rel="noreferrer" className="btn btn-ghost btn-small">
            Open
          </a>
        </div>
      ) : (
        <p className="muted small">Anyone with the link can watch and read the summary. Off by default.</p>
      )}
      {error !== undefined && <ErrorNotice error={error} title="Could not change sharing" />}
    </section>
  );
}

function Timeline({
  context,
  onSeek,
  currentTime,
}: {
  context: RecordingContext | undefined;
  onSeek: (t: number) => void;
  currentTime: number;
}) {
  if (!context || context.timeline.length === 0) return null;
  return (
    <section className="section" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <ol className="timeline">
        {context.timeline.map((e, i) => {
          const active = currentTime >= e.start_seconds && currentTime < e.end_seconds;
          return (
            <li key={i} className={active ? 'active' : undefined}>
              <button type="button" className="timeline-item" onClick={() => onSeek(e.start_seconds)}>
                <span className="time">{formatClock(e.start_seconds)}</span>
                <span>
                  <strong>{e.title}</strong>
                  {e.text && <span className="muted small block">{e.text}</span>}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function Transcript({
  segments,
  loading,
  error,
  currentTime,
  onSeek,
  processing,
}: {
  segments: TranscriptSegment[] | undefined;
  loading: boolean;
  error: unknown;
  currentTime: number;
  onSeek: (t: number) => void;
  processing: boolean;
}) {
  const listRef = useRef<HTMLOListElement>(null);
  const [follow, setFollow] = useState(true);
  const current = useMemo(() => {
    if (!segments) return -1;
    // The last segment that started at or before the playback position.
    let idx = -1;
    for (let i = 0; i < segments.length; i++) {
      if (segments[i]!.start_seconds <= currentTime + 0.05) idx = i;
      else break;
    }
    return idx >= 0 && currentTime <= segments[idx]!.end_seconds + 1 ? idx : -1;
  }, [segments, currentTime]);

  // Keep the current segment in view inside the panel (not the page).
  useEffect(() => {
    const list = listRef.current;
    if (!follow || !list || current < 0) return;
    const item = list.children[current] as HTMLElement | undefined;
    if (!item) return;
    const top = item.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3), behavior: 'smooth' });
    }
  }, [current, follow]);

  return (
    <section className="card transcript" aria-labelledby="transcript-heading">
      <div className="row row-between">
        <h2 id="transcript-heading" className="h3">
          Transcript
        </h2>
        <label className="checkbox small">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
          playback
        </label>
      </div>
      {loading && <Loading label="Loading transcript…" />}
      {!loading && error === undefined && (!segments || segments.length === 0) && (
        <Empty title={processing ? 'Transcript not ready yet' : 'No transcript'}>
          {processing
            ? 'It appears here when speech-to-text has run.'
            : 'No speech was found, or no speech-to-text engine is set up (see the processing details).'}
        </Empty>
      )}
      {segments && segments.length > 0 && (
        <ol className="transcript-list" ref={listRef}>
          {segments.map((s, i) => (
            <li key={i}>
              <button
                type="button"
                className={`segment${i === current ? ' current' : ''}`}
                aria-current={i === current ? 'true' : undefined}
                onClick={() => onSeek(s.start_seconds)}
              >
                <span className="time">{formatClock(s.start_seconds)}</span>
                <span>
                  {s.speaker && <strong>{s.speaker}: </strong>}
                  {s.text}
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function ContextPanels({
  context,
  processing,
  onSeek,
}: {
  context: RecordingContext | undefined;
  processing: boolean;
  onSeek: (t: number) => void;
}) {
  const pending = processing ? 'Appears when processing finishes.' : undefined;
  return (
    <div className="context-grid">
      <section className="card" aria-labelledby="summary-heading">
        <h2 id="summary-heading" className="h3">
          Summary
        </h2>
        {context?.summary ? (
          <p className="summary">{context.summary}</p>
        ) : (
          <p className="muted">{pending ?? 'No summary: there was not enough text to summarise.'}</p>
        )}
        {context?.tags && context.tags.length > 0 && (
          <ul className="chips" aria-label="Tags">
            {context.tags.map((t) => (
              <li key={t} className="chip">
                {t}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="actions-heading">
        <h2 id="actions-heading" className="h3">
          Action items
        </h2>
        {context && context.actions.length > 0 ? (
          <ul className="plain-list">
            {context.actions.map((a, i) => (
              <li key={i}>
                {typeof a.timestamp_seconds === 'number' && (
                  <button
                    type="button"
                    className="btn-link time"
                    onClick={() => onSeek(a.timestamp_seconds as number)}
                  >
                    {formatClock(a.timestamp_seconds)}
                  </button>
                )}{' '}
                {a.text}
                {(a.owner || a.due) && (
                  <span className="muted small"> {[a.owner, a.due].filter(Boolean).join(' · ')}</span>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{pending ?? 'None found.'}</p>
        )}
      </section>
      <section className="card" aria-labelledby="urls-heading">
        <h2 id="urls-heading" className="h3">
          Links seen
        </h2>
        {context && context.urls.length > 0 ? (
          <ul className="plain-list">
            {context.urls.map((u) => (
              <li key={u.url}>
                {u.first_seen_seconds !== null && (
                  <button
                    type="button"
                    className="btn-link time"
                    onClick={() => onSeek(u.first_seen_seconds as number)}
                  >
                    {formatClock(u.first_seen_seconds)}
                  </button>
                )}{' '}
                <a
                  href={/^https?:\/\//i.test(u.url) ? u.url : `https://${u.url}`}
                  target="_blank"
                  rel="noreferrer noopener"
                >
                  {u.url}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{pending ?? 'None found.'}</p>
        )}
      </section>
      <section className="card" aria-labelledby="apps-heading">
        <h2 id="apps-heading" className="h3">
          Apps on screen
        </h2>
        {context && context.apps.length > 0 ? (
          <ul className="plain-list">
            {context.apps.map((a) => (
              <li key={a.name} className="row row-between">
                <span>{a.name}</span>
                <span className="muted small">{formatClock(a.seconds)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{pending ?? 'None recognised.'}</p>
        )}
      </section>
    </div>
  );
}

function FramesGrid({
  frames,
  processing,
  onSeek,
}: {
  frames: ReturnType<typeof useAsync<Page<Frame> | undefined>>;
  processing: boolean;
  onSeek: (t: number) => void;
}) {
  if (frames.error !== undefined) return <ErrorNotice error={frames.error} onRetry={frames.reload} />;
  if (frames.loading && !frames.data) return <Loading label="Loading frames…" />;
  const items = frames.data?.items ?? [];
  if (items.length === 0) {
    return (
      <Empty title={processing ? 'Frames not extracted yet' : 'No frames'}>
        {processing
          ? 'Key frames and their screen text appear here as processing runs.'
          : 'This recording has no picture.'}
      </Empty>
    );
  }
  return (
    <ul className="frames">
      {items.map((f) => (
        <li key={f.id} className="frame">
          <button
            type="button"
            className="frame-image"
            onClick={() => onSeek(f.timestamp_seconds)}
            aria-label={`Play from ${formatClock(f.timestamp_seconds)}`}
          >
            <img
              src={f.image_url}
              alt=""
              loading="lazy"
              width={f.width ?? undefined}
              height={f.height ?? undefined}
            />
            <span className="frame-time">{formatClock(f.timestamp_seconds)}</span>
          </button>
          <div className="frame-body">
            {(f.app || f.url) && (
              <div className="small muted frame-meta">{[f.app, f.url].filter(Boolean).join(' · ')}</div>
            )}
            {f.ocr_text ? (
              <p className="ocr" title={f.ocr_text}>
                {f.ocr_text}
              </p>
            ) : (
              <p className="muted small">
                {f.ocr_text === null ? 'Text not read yet.' : 'No text on screen.'}
              </p>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
