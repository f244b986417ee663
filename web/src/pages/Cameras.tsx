import { useEffect, useState, type FormEvent } from 'react';
import {
  API,
  ApiError,
  api,
  get,
  type Camera,
  type CameraEvent,
  type CameraState,
  type CameraStatusInfo,
  type SpecPage,
} from '../api';
import { Link } from '../router';
import { LiveWithSound } from './LiveWithSound';
import { useSession, useWorkspace } from '../session';
import {
  Empty,
  ErrorNotice,
  Loading,
  Notice,
  TextField,
  formatDate,
  formatRelative,
  useAsync,
  usePageTitle,
} from '../ui';
import { useAction } from '../use-action';

/** Tiles of the grid ask for a low rate; the focused camera for the full one (spec 001's ?fps=). */
const GRID_FPS = 2;
const FOCUS_FPS = 10;

const STATE_BADGE: Record<CameraState, string> = {
  online: 'badge-ready',
  offline: 'badge-queued',
  error: 'badge-failed',
};

const liveUrl = (id: string, fps: number) => `${API}/live/${id}/stream?fps=${fps}`;

export function CamerasPage() {
  const workspace = useWorkspace();
  const { can } = useSession();
  usePageTitle('Cameras');
  const cameras = useAsync(
    (signal) => get<SpecPage<Camera>>('/cameras', { workspace_id: workspace.id, limit: 200 }, signal),
    [workspace.id],
  );
  const [focused, setFocused] = useState<string | null>(null);
  const reloadCameras = cameras.reload;
  const manage = can('camera:manage');
  const forbidden = cameras.error instanceof ApiError && cameras.error.status === 403;

  // Status comes from heartbeats: refresh the list every few seconds.
  useEffect(() => {
    const timer = setInterval(reloadCameras, 5000);
    return () => clearInterval(timer);
  }, [reloadCameras]);

  const focus = cameras.data?.items.find((c) => c.id === focused);
  return (
    <div className="page">
      <h1>Cameras</h1>
      <p className="muted">
        Live views of <strong>{workspace.name}</strong>’s cameras. Iris watches each one for motion, runs the
        detector on what moves and records an event for every person or object that triggers it.
      </p>
      {forbidden ? (
        <Notice>
          <strong>You cannot see this workspace’s cameras.</strong> Ask an admin for access.
        </Notice>
      ) : (
        <>
          {manage && <AddCamera workspaceId={workspace.id} onAdded={cameras.reload} />}
          {cameras.error !== undefined && <ErrorNotice error={cameras.error} onRetry={cameras.reload} />}
          {cameras.loading && !cameras.data && <Loading label="Loading cameras…" />}
          {cameras.data?.items.length === 0 && (
            <Empty title="No cameras yet">
              {manage ? 'Add one above with its RTSP URL.' : 'Ask an admin to add one.'}
            </Empty>
          )}
          {focus && (
            <FocusedCamera
              camera={focus}
              manage={manage}
              onClose={() => setFocused(null)}
              onChanged={cameras.reload}
            />
          )}
          {cameras.data && cameras.data.items.length > 0 && (
            <ul className="camera-grid" aria-label="Cameras">
              {cameras.data.items.map((c) => (
                <li key={c.id} className={`camera-tile${c.id === focused ? ' camera-tile-focused' : ''}`}>
                  <button type="button" className="camera-open" onClick={() => setFocused(c.id)}>
                    {/* The focused camera streams above at the full rate: one stream per camera is enough. */}
                    {c.enabled && c.id !== focused ? (
                      <img src={liveUrl(c.id, GRID_FPS)} alt={`Live view of ${c.name}`} loading="lazy" />
                    ) : (
                      <div className="camera-off">{c.enabled ? 'Shown above' : 'Disabled'}</div>
                    )}
                  </button>
                  <div className="camera-caption">
                    <strong>{c.name}</strong>
                    <span className={`badge ${c.enabled ? STATE_BADGE[c.status] : 'badge-queued'}`}>
                      {c.enabled ? c.status : 'disabled'}
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          )}
          <RecentEvents workspaceId={workspace.id} cameras={cameras.data?.items ?? []} />
        </>
      )}
    </div>
  );
}

function AddCamera({ workspaceId, onAdded }: { workspaceId: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [triggers, setTriggers] = useState('person');
  const { busy, error, done, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const c = await api<Camera>('POST', '/cameras', {
        body: {
          workspace_id: workspaceId,
          name: name.trim(),
          rtsp_url: url.trim(),
          trigger_classes: triggers,
        },
      });
      setName('');
      setUrl('');
      onAdded();
      return `${c.name} added (${c.rtsp_url}). It appears online once its first frames arrive.`;
    });
  };
  return (
    <form className="card form-inline" onSubmit={submit} aria-label="Add a camera">
      <TextField
        label="Name"
        value={name}
        onChange={setName}
        required
        maxLength={200}
        placeholder="Front door"
      />
      <TextField
        label="RTSP URL"
        value={url}
        onChange={setUrl}
        required
        placeholder="rtsp://user:password@192.168.1.20:554/stream1"
        autoComplete="off"
      />
      <TextField
        label="Trigger classes"
        value={triggers}
        onChange={setTriggers}
        placeholder="person,car,dog"
      />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add camera'}
      </button>
      {error !== undefined && <ErrorNotice error={error} />}
      {done && <p className="muted">{done}</p>}
    </form>
  );
}

function FocusedCamera({
  camera,
  manage,
  onClose,
  onChanged,
}: {
  camera: Camera;
  manage: boolean;
  onClose: () => void;
  onChanged: () => void;
}) {
  const status = useAsync(
    (signal) => get<CameraStatusInfo>(`/cameras/${camera.id}/status`, undefined, signal),
    [camera.id, camera.last_seen, camera.status],
  );
  const { busy, error, run } = useAction();
  const recorder = useAction();
  const [withSound, setWithSound] = useState(false);
  // The server-signed start of a manual recording in progress (spec 001: echoed to stop).
  const [recordingSince, setRecordingSince] = useState<string | null>(null);
  const record = () =>
    void recorder.run(async () => {
      if (recordingSince === null) {
        const r = await api<{ started_at: string }>('POST', `/live/${camera.id}/record/start`);
        setRecordingSince(r.started_at);
        return;
      }
      const r = await api<{ duration: number; clip: string | null }>(
        'POST',
        `/live/${camera.id}/record/stop`,
        {
          body: { started_at: recordingSince },
        },
      );
      setRecordingSince(null);
      return r.clip
        ? `Kept ${Math.round(r.duration)} s as a manual event; its clip is in the events below.`
        : `Kept ${Math.round(r.duration)} s as a manual event; its clip follows shortly.`;
    });
  const toggle = () =>
    void run(async () => {
      await api('PATCH', `/cameras/${camera.id}`, { body: { enabled: !camera.enabled } });
      onChanged();
    });
  const remove = () => {
    if (!window.confirm(`Delete ${camera.name} and every event recorded from it?`)) return;
    void run(async () => {
      await api('DELETE', `/cameras/${camera.id}`);
      onClose();
      onChanged();
    });
  };
  const s = status.data;
  return (
    <section className="card camera-focus" aria-labelledby="camera-focus-heading">
      <div className="camera-focus-head">
        <h2 id="camera-focus-heading">{camera.name}</h2>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      {!camera.enabled ? (
        <div className="camera-off">Disabled</div>
      ) : withSound ? (
        <LiveWithSound cameraId={camera.id} name={camera.name} />
      ) : (
        <img
          className="camera-live"
          src={liveUrl(camera.id, FOCUS_FPS)}
          alt={`Live view of ${camera.name}`}
        />
      )}
      <dl className="camera-facts">
        <dt>Status</dt>
        <dd>
          {s ? s.status : camera.status}
          {s?.reason ? ` — ${s.reason}` : ''}
        </dd>
        <dt>Last frame</dt>
        <dd>
          {camera.last_seen ? formatRelative(camera.last_seen) : 'never'}
          {camera.fps !== null ? ` · ${camera.fps} fps` : ''}
        </dd>
        <dt>Triggers</dt>
        <dd>
          {camera.trigger_classes} at {Math.round(camera.detect_conf * 100)}% or more, every{' '}
          {camera.detect_interval} s while something moves
        </dd>
        <dt>Detector</dt>
        <dd>{s ? (s.detector.available ? s.detector.engine : `unavailable: ${s.detector.reason}`) : '…'}</dd>
        <dt>Stream</dt>
        <dd>
          <code>{camera.rtsp_url}</code>
        </dd>
      </dl>
      {camera.enabled && (
        <div className="actions">
          <button
            type="button"
            className={recordingSince ? 'btn btn-danger' : 'btn'}
            disabled={recorder.busy}
            onClick={record}
          >
            {recordingSince ? `Stop recording (since ${formatDate(recordingSince)})` : 'Record'}
          </button>
          <button type="button" className="btn" onClick={() => setWithSound(!withSound)}>
            {withSound ? 'Back to the live picture' : 'Live with sound'}
          </button>
          {recorder.done && <span className="muted">{recorder.done}</span>}
        </div>
      )}
      {recorder.error !== undefined && <ErrorNotice error={recorder.error} />}
      {manage && (
        <div className="actions">
          <button type="button" className="btn" disabled={busy} onClick={toggle}>
            {camera.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={remove}>
            Delete camera
          </button>
        </div>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
    </section>
  );
}

function RecentEvents({ workspaceId, cameras }: { workspaceId: string; cameras: Camera[] }) {
  const [label, setLabel] = useState('');
  const [camera, setCamera] = useState('');
  const [playing, setPlaying] = useState<string | null>(null);
  const events = useAsync(
    (signal) =>
      get<SpecPage<CameraEvent>>(
        '/events',
        {
          workspace_id: workspaceId,
          limit: 48,
          ...(label ? { label } : {}),
          ...(camera ? { camera_id: camera } : {}),
        },
        signal,
      ),
    [workspaceId, label, camera],
  );
  const reloadEvents = events.reload;
  useEffect(() => {
    const timer = setInterval(reloadEvents, 5000);
    return () => clearInterval(timer);
  }, [reloadEvents]);
  const names = new Map(cameras.map((c) => [c.id, c.name]));
  return (
    <section className="section" aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      <div className="form-inline">
        <label className="field">
          <span>Camera</span>
          <select value={camera} onChange={(e) => setCamera(e.target.value)}>
            <option value="">All cameras</option>
            {cameras.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <TextField label="Class" value={label} onChange={setLabel} placeholder="person" />
      </div>
      {events.error !== undefined && <ErrorNotice error={events.error} onRetry={events.reload} />}
      {events.loading && !events.data && <Loading label="Loading events…" />}
      {events.data?.items.length === 0 && (
        <Empty title="No events">Nothing has triggered a camera yet.</Empty>
      )}
      {events.data && events.data.items.length > 0 && (
        <>
          <p className="muted">
            {events.data.items.length} of {events.data.total}
          </p>
          <ul className="event-grid">
            {events.data.items.map((e) => (
              <li key={e.id} className="event-card">
                {playing === e.id ? (
                  <video
                    src={`${API}/events/${e.id}/clip`}
                    controls
                    autoPlay
                    aria-label={`Clip of ${e.label}`}
                  />
                ) : e.has_thumbnail ? (
                  <img
                    src={`${API}/events/${e.id}/thumbnail`}
                    alt={`${e.label} on ${names.get(e.camera_id) ?? e.camera_id}`}
                    loading="lazy"
                  />
                ) : (
                  <div className="camera-off">No picture</div>
                )}
                {e.has_clip && playing !== e.id && (
                  <button type="button" className="btn btn-small" onClick={() => setPlaying(e.id)}>
                    Play clip
                  </button>
                )}
                <div>
                  <strong>{e.label}</strong> {Math.round(e.score * 100)}% ·{' '}
                  {names.get(e.camera_id) ?? e.camera_id}
                </div>
                <div className="muted">
                  {formatDate(e.started_at)} ·{' '}
                  {e.duration_seconds === null ? 'ongoing' : `${Math.round(e.duration_seconds)} s`}
                  {e.recording_id && (
                    <>
                      {' · '}
                      <Link to={`/recordings/${e.recording_id}`}>In the library</Link>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
