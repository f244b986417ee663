import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, api, type SearchResult } from '../api';
import { Link, useRouter, useSearchParam } from '../router';
import { useWorkspace } from '../session';
import { Empty, ErrorNotice, Loading, StatusBadge, formatClock, formatRelative, usePageTitle } from '../ui';

/** Search snippets are plain text with matches between « and »: render those as <mark>. */
export function Highlighted({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  const re = /«([^»]*)»/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(<mark key={m.index}>{m[1]}</mark>);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}

const SOURCE_LABEL: Record<string, string> = { transcript: 'Said', screen: 'On screen' };

export function SearchPage() {
  const workspace = useWorkspace();
  const { navigate } = useRouter();
  const q = useSearchParam('q') ?? '';
  const [input, setInput] = useState(q);
  const [state, setState] = useState<{ loading: boolean; result?: SearchResult; error?: unknown }>({
    loading: false,
  });
  usePageTitle(q ? `Search: ${q}` : 'Search');

  useEffect(() => setInput(q), [q]);

  useEffect(() => {
    if (!q.trim()) {
      setState({ loading: false });
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    api<SearchResult>('POST', '/search', {
      body: { query: q, limit: 20, workspace_id: workspace.id },
      signal: ctrl.signal,
    }).then(
      (result) => setState({ loading: false, result }),
      (error: unknown) => {
        if (ctrl.signal.aborted) return;
        setState({
          loading: false,
          error:
            error instanceof ApiError && error.status === 404 && error.message.startsWith('No route')
              ? new Error('Search is not available on this server yet.')
              : error,
        });
      },
    );
    return () => ctrl.abort();
  }, [q, workspace.id]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const query = input.trim();
    navigate(query ? `/search?q=${encodeURIComponent(query)}` : '/search');
  };

  return (
    <div className="page">
      <h1>Search</h1>
      <form role="search" onSubmit={submit} className="search-form">
        <label htmlFor="search-input" className="visually-hidden">
          Search recordings
        </label>
        <input
          id="search-input"
          type="search"
          placeholder="What was said or shown…"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          autoFocus
        />
        <button type="submit" className="btn btn-primary">
          Search
        </button>
      </form>
      <p className="muted small">
        Searches transcripts, screen text, summaries and titles in <strong>{workspace.name}</strong>. Use
        quotes for a phrase.
      </p>

      <div aria-live="polite" aria-busy={state.loading}>
        {state.loading && <Loading label="Searching…" />}
        {state.error !== undefined && <ErrorNotice error={state.error} />}
        {!state.loading && state.result && state.result.items.length === 0 && (
          <Empty title={`Nothing found for “${q}”`}>Try fewer or different words.</Empty>
        )}
        {state.result && state.result.items.length > 0 && (
          <>
            <p className="muted small">
              {state.result.total ?? state.result.items.length} recording
              {(state.result.total ?? state.result.items.length) === 1 ? '' : 's'}
              {state.result.mode ? ` · ${state.result.mode} search` : ''}
            </p>
            <ol className="results">
              {state.result.items.map((item) => (
                <li key={item.recording.id} className="result card">
                  <div className="row row-between">
                    <Link to={`/recordings/${item.recording.id}`} className="result-title">
                      {item.recording.title}
                    </Link>
                    <StatusBadge status={item.recording.status} />
                  </div>
                  <p className="muted small">
                    {formatRelative(item.recording.created_at)} ·{' '}
                    {formatClock(item.recording.duration_seconds)}
                  </p>
                  {item.snippet && (
                    <p className="snippet">
                      <Highlighted text={item.snippet} />
                    </p>
                  )}
                  {item.moments.length > 0 && (
                    <ul className="moments" aria-label="Moments">
                      {item.moments.map((m, i) => (
                        <li key={i}>
                          <Link
                            to={`/recordings/${item.recording.id}?t=${Math.floor(m.timestamp_seconds)}`}
                            className="moment"
                          >
                            <span className="time">{formatClock(m.timestamp_seconds)}</span>
                            <span className="moment-source">{SOURCE_LABEL[m.source] ?? m.source}</span>
                            <span className="moment-text">
                              <Highlighted text={m.snippet ?? m.text} />
                            </span>
                          </Link>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </div>
  );
}
