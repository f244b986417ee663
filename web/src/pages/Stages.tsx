import type { Stage } from '../api';
import { formatClock } from '../ui';

const STATE_ICON: Record<string, string> = {
  queued: '○',
  running: '◐',
  done: '✓',
  failed: '✕',
  skipped: '–',
};

/** The pipeline stages as chips: probe ✓ · media ◐ 40% · frames ○ … */
export function StageChips({ stages, compact = false }: { stages: Stage[]; compact?: boolean }) {
  return (
    <ol className={`stages${compact ? ' stages-compact' : ''}`} aria-label="Processing stages">
      {stages.map((s) => {
        const pct = Math.round(s.progress * 100);
        const detail = s.state === 'running' ? ` ${pct}%` : '';
        const title = [
          s.engine && `engine: ${s.engine}`,
          s.error,
          s.duration_ms !== null && `${formatClock(s.duration_ms / 1000)}`,
        ]
          .filter(Boolean)
          .join(' · ');
        return (
          <li key={s.stage} className={`stage stage-${s.state}`} title={title || undefined}>
            <span aria-hidden="true">{STATE_ICON[s.state] ?? '?'}</span> {s.stage}
            {detail}
            <span className="visually-hidden">: {s.state}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** The full table for the recording page: state, engine, time, error per stage. */
export function StageTable({ stages }: { stages: Stage[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Processing stages</caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">State</th>
            <th scope="col">Progress</th>
            <th scope="col">Engine</th>
            <th scope="col">Time</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {stages.map((s) => (
            <tr key={s.stage}>
              <th scope="row">{s.stage}</th>
              <td>
                <span className={`stage stage-${s.state}`}>
                  <span aria-hidden="true">{STATE_ICON[s.state]}</span> {s.state}
                </span>
              </td>
              <td>{Math.round(s.progress * 100)}%</td>
              <td>{s.engine ?? '—'}</td>
              <td>{s.duration_ms !== null ? `${(s.duration_ms / 1000).toFixed(1)} s` : '—'}</td>
              <td className="small">{s.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
