import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';
import { API, getToken } from '../api';

/**
 * A camera live with its sound: the server's HLS session (spec 001) played by hls.js,
 * which sends the session header itself (MJPEG tiles carry no sound). Leaving the view
 * closes the session so the server's ffmpeg stops at once, not when it is reaped.
 */
export function LiveWithSound({ cameraId, name }: { cameraId: string; name: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const base = `${API}/live/${cameraId}/hls`;
    const auth = (xhr: XMLHttpRequest) => {
      const token = getToken();
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    };
    let hls: Hls | undefined;
    if (Hls.isSupported()) {
      hls = new Hls({ xhrSetup: auth, liveSyncDurationCount: 2 });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal)
          setError(
            data.response?.code === 503 ? 'Live sound is unavailable on this server now.' : data.details,
          );
      });
      hls.loadSource(`${base}/index.m3u8`);
      hls.attachMedia(el);
    } else {
      setError('This browser cannot play HLS.');
    }
    return () => {
      hls?.destroy();
      const token = getToken();
      void fetch(`${base}/close`, {
        method: 'POST',
        keepalive: true,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }).catch(() => undefined);
    };
  }, [cameraId]);
  return (
    <>
      <video
        ref={video}
        className="camera-live"
        controls
        autoPlay
        muted={false}
        aria-label={`${name} live with sound`}
      />
      {error && <p className="muted">{error}</p>}
    </>
  );
}
