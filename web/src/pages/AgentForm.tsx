import { useState, type FormEvent } from 'react';
import {
  RECORDING_SOURCES,
  api,
  get,
  type Agent,
  type AgentModel,
  type CatalogueTool,
  type Character,
  type Page,
  type RecordingSource,
} from '../api';
import { ErrorNotice, TextField, useAsync } from '../ui';
import { useAction } from '../use-action';

export const SOURCE_LABELS: Record<RecordingSource, { label: string; hint: string }> = {
  upload: { label: 'Uploads', hint: 'files uploaded here, with the CLI or the API' },
  camera: { label: 'Cameras', hint: 'RTSP camera recordings' },
  node: { label: 'Capture nodes', hint: 'remote capture devices' },
  interview: { label: 'Interviews', hint: 'AI-conducted interviews' },
};

export const EXTRACTIVE_LABEL = 'Quotes the recordings (no language model)';

/** How a model is named to people. */
export function modelLabel(model: { id: string; kind?: string }): string {
  return model.kind === 'extractive' || model.id === 'extractive'
    ? EXTRACTIVE_LABEL
    : `${model.id} (language model)`;
}

const DEFAULTS = { temperature: 0.2, max_steps: 4, max_citations: 5 };
const BUILTIN_TOOLS = ['search_recordings', 'get_transcript', 'save_memory', 'recall_memory'];

function clampInt(value: string, min: number, max: number, fallback: number): number {
  const n = Math.round(Number(value));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/**
 * The agent builder: name, description, instructions, knowledge sources, model, character,
 * tools and limits. Creates an agent (POST /agents) or, given `agent`, edits it (PATCH).
 */
export function AgentForm({
  workspaceId,
  agent,
  onSaved,
  onCancel,
}: {
  workspaceId: string;
  agent?: Agent;
  onSaved: (agent: Agent) => void;
  onCancel?: () => void;
}) {
  const editing = Boolean(agent);
  const [name, setName] = useState(agent?.name ?? '');
  const [description, setDescription] = useState(agent?.description ?? '');
  const [instructions, setInstructions] = useState(agent?.instructions ?? '');
  const [sources, setSources] = useState<RecordingSource[]>(agent?.knowledge.sources ?? []);
  const [model, setModel] = useState(agent?.model ?? 'extractive');
  const [characterId, setCharacterId] = useState(agent?.character_id ?? '');
  const [tools, setTools] = useState<string[]>(agent?.tools ?? BUILTIN_TOOLS);
  const [maxCitations, setMaxCitations] = useState(String(agent?.max_citations ?? DEFAULTS.max_citations));
  const [maxSteps, setMaxSteps] = useState(String(agent?.max_steps ?? DEFAULTS.max_steps));
  const [temperature, setTemperature] = useState(String(agent?.temperature ?? DEFAULTS.temperature));
  const [newCharacter, setNewCharacter] = useState(false);
  const { busy, error, run } = useAction();

  const models = useAsync((signal) => get<{ items: AgentModel[] }>('/agents/models', undefined, signal), []);
  const characters = useAsync(
    (signal) => get<Page<Character>>('/characters', { workspace_id: workspaceId, limit: 100 }, signal),
    [workspaceId],
  );
  const catalogue = useAsync(
    (signal) => get<{ items: CatalogueTool[] }>('/plugins/catalogue', { workspace_id: workspaceId }, signal),
    [workspaceId],
  );

  // The models to offer: the instance's, and whatever the agent uses now (even if no longer offered).
  const modelOptions: AgentModel[] = models.data?.items ?? [{ id: 'extractive', kind: 'extractive' }];
  if (!modelOptions.some((m) => m.id === model)) modelOptions.push({ id: model, kind: 'llm' });
  const usesLlm = modelOptions.find((m) => m.id === model)?.kind === 'llm';

  // Tools the agent has that the catalogue no longer lists (a removed plugin) stay visible.
  const toolOptions: CatalogueTool[] = [...(catalogue.data?.items ?? [])];
  if (catalogue.data) {
    for (const t of tools) {
      if (!toolOptions.some((o) => o.id === t))
        toolOptions.push({ id: t, kind: 'mcp', name: t, description: 'No longer in the catalogue.' });
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const body = {
        name: name.trim(),
        description: description.trim(),
        instructions: instructions.trim(),
        knowledge: { ...(agent?.knowledge ?? {}), sources },
        model,
        character_id: characterId || null,
        ...(catalogue.data || editing ? { tools } : {}),
        max_citations: clampInt(maxCitations, 1, 20, DEFAULTS.max_citations),
        max_steps: clampInt(maxSteps, 1, 20, DEFAULTS.max_steps),
        temperature: Math.min(2, Math.max(0, Number(temperature) || 0)),
      };
      const saved = agent
        ? await api<Agent>('PATCH', `/agents/${agent.id}`, { body })
        : await api<Agent>('POST', '/agents', { body: { ...body, workspace_id: workspaceId } });
      if (!agent) {
        setName('');
        setDescription('');
        setInstructions('');
        setSources([]);
        setCharacterId('');
        setTools(BUILTIN_TOOLS);
      }
      onSaved(saved);
    });
  };

  const toggleSource = (s: RecordingSource, on: boolean) =>
    setSources((prev) =>
      on ? RECORDING_SOURCES.filter((x) => x === s || prev.includes(x)) : prev.filter((x) => x !== s),
    );
  const toggleTool = (id: string, on: boolean) =>
    setTools((prev) => (on ? [...new Set([...prev, id])] : prev.filter((x) => x !== id)));

  const idp = agent ? `edit-${agent.id}` : 'new-agent';
  const selectedCharacter = characters.data?.items.find((c) => c.id === characterId);

  return (
    <form onSubmit={submit} className="form agent-form" aria-describedby={error ? `${idp}-error` : undefined}>
      <div className="form-row form">
        <label className="field">
          <span>Name</span>
          <input
            required
            maxLength={200}
            placeholder="e.g. Meeting helper"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <TextField
          label="Description"
          maxLength={2000}
          placeholder="What it is for (shown in the list)"
          value={description}
          onChange={setDescription}
        />
      </div>
      <label className="field">
        <span>Instructions</span>
        <textarea
          rows={3}
          maxLength={20000}
          placeholder="How it should answer, e.g. “Answer in one paragraph and name who decided.”"
          value={instructions}
          onChange={(e) => setInstructions(e.target.value)}
          aria-describedby={`${idp}-instructions-hint`}
        />
        <small id={`${idp}-instructions-hint`} className="muted">
          Its system prompt, used with a language model. Without one, replies quote the recordings.
        </small>
      </label>

      <div className="form-row form">
        <label className="field">
          <span>Model</span>
          <select value={model} onChange={(e) => setModel(e.target.value)}>
            {modelOptions.map((m) => (
              <option key={m.id} value={m.id}>
                {modelLabel(m)}
              </option>
            ))}
          </select>
          {models.error !== undefined && (
            <small className="muted">
              Could not load the models of this instance; showing the current one.
            </small>
          )}
        </label>
        <div className="field">
          <label htmlFor={`${idp}-character`}>Character</label>
          <div className="row field-with-action">
            <select
              id={`${idp}-character`}
              value={characterId}
              onChange={(e) => setCharacterId(e.target.value)}
              aria-describedby={`${idp}-character-hint`}
            >
              <option value="">None</option>
              {characters.data?.items.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
              {characterId && characters.data && !selectedCharacter && (
                <option value={characterId}>{characterId}</option>
              )}
            </select>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              aria-expanded={newCharacter}
              onClick={() => setNewCharacter((o) => !o)}
            >
              {newCharacter ? 'Cancel' : 'New character'}
            </button>
          </div>
          <small id={`${idp}-character-hint`} className="muted">
            {selectedCharacter
              ? selectedCharacter.description || selectedCharacter.persona.slice(0, 140)
              : 'A persona preset: how it speaks (used with a language model).'}
          </small>
        </div>
      </div>
      {characters.error !== undefined && (
        <ErrorNotice error={characters.error} title="Could not load characters" onRetry={characters.reload} />
      )}
      {newCharacter && (
        <NewCharacter
          workspaceId={workspaceId}
          idPrefix={idp}
          onCreated={(c) => {
            characters.reload();
            setCharacterId(c.id);
            setNewCharacter(false);
          }}
        />
      )}
      {!usesLlm && (characterId || instructions.trim()) && (
        <p className="muted small">
          Instructions and character take effect with a language model; “{EXTRACTIVE_LABEL}” ignores them.
        </p>
      )}

      <fieldset className="fieldset" aria-describedby={`${idp}-sources-hint`}>
        <legend>Knowledge sources</legend>
        <p id={`${idp}-sources-hint`} className="muted small fieldset-hint">
          Leave all unchecked to draw on every recording you can read.
        </p>
        <div className="source-options">
          {RECORDING_SOURCES.map((s) => (
            <label key={s} className="checkbox source-option">
              <input
                type="checkbox"
                checked={sources.includes(s)}
                onChange={(e) => toggleSource(s, e.target.checked)}
              />
              <span>
                <strong>{SOURCE_LABELS[s].label}</strong>
                <span className="muted small block">{SOURCE_LABELS[s].hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset className="fieldset">
        <legend>Tools</legend>
        {catalogue.error !== undefined && (
          <ErrorNotice error={catalogue.error} title="Could not load the tools" onRetry={catalogue.reload} />
        )}
        {catalogue.loading && !catalogue.data && <p className="muted small">Loading tools…</p>}
        <div className="source-options">
          {toolOptions.map((t) => (
            <label key={t.id} className="checkbox source-option">
              <input
                type="checkbox"
                checked={tools.includes(t.id)}
                onChange={(e) => toggleTool(t.id, e.target.checked)}
              />
              <span>
                <strong>
                  <code>{t.name}</code>
                </strong>
                {t.kind === 'mcp' && t.plugin_name && (
                  <span className="badge tool-badge">{t.plugin_name}</span>
                )}
                <span className="muted small block">{t.description}</span>
              </span>
            </label>
          ))}
        </div>
        {catalogue.data && !tools.includes('search_recordings') && (
          <p className="muted small fieldset-hint">
            Without <code>search_recordings</code> the agent cannot see any recording.
          </p>
        )}
      </fieldset>

      <div className="form-row form">
        <TextField
          label="Most citations per reply (1–20)"
          type="number"
          min={1}
          max={20}
          step={1}
          required
          value={maxCitations}
          onChange={setMaxCitations}
        />
        <TextField
          label="Most tool rounds per reply (1–20)"
          type="number"
          min={1}
          max={20}
          step={1}
          required
          value={maxSteps}
          onChange={setMaxSteps}
        />
        <TextField
          label="Temperature (0–2)"
          type="number"
          min={0}
          max={2}
          step={0.1}
          required
          value={temperature}
          onChange={setTemperature}
        />
      </div>

      {error !== undefined && (
        <div id={`${idp}-error`}>
          <ErrorNotice
            error={error}
            title={editing ? 'Could not save the agent' : 'Could not create the agent'}
          />
        </div>
      )}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
          {editing ? (busy ? 'Saving…' : 'Save changes') : busy ? 'Creating…' : 'Create agent'}
        </button>
        {onCancel && (
          <button type="button" className="btn btn-ghost" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/** Name + persona: a character created in place (POST /characters), then selected. */
function NewCharacter({
  workspaceId,
  idPrefix,
  onCreated,
}: {
  workspaceId: string;
  idPrefix: string;
  onCreated: (c: Character) => void;
}) {
  const [name, setName] = useState('');
  const [persona, setPersona] = useState('');
  const [description, setDescription] = useState('');
  const { busy, error, run } = useAction();

  // A <form> cannot sit inside the agent form, so this is a group submitted by its button.
  const create = () =>
    void run(async () => {
      const c = await api<Character>('POST', '/characters', {
        body: {
          name: name.trim(),
          persona: persona.trim(),
          workspace_id: workspaceId,
          ...(description.trim() ? { description: description.trim() } : {}),
        },
      });
      onCreated(c);
    });

  return (
    <div
      className="card new-character"
      role="group"
      aria-labelledby={`${idPrefix}-new-character`}
      onKeyDown={(e) => {
        // Enter in its inputs creates the character, not the agent.
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
          e.preventDefault();
          if (name.trim() && persona.trim() && !busy) create();
        }
      }}
    >
      <h3 id={`${idPrefix}-new-character`} className="h4">
        New character
      </h3>
      <div className="form-row form">
        <TextField
          label="Name"
          maxLength={200}
          placeholder="e.g. Friendly analyst"
          value={name}
          onChange={setName}
        />
        <TextField
          label="Description (optional)"
          maxLength={2000}
          value={description}
          onChange={setDescription}
        />
      </div>
      <label className="field">
        <span>Persona</span>
        <textarea
          rows={2}
          maxLength={10000}
          placeholder="How it speaks, e.g. “Warm and concise; uses plain words; never guesses.”"
          value={persona}
          onChange={(e) => setPersona(e.target.value)}
        />
      </label>
      {error !== undefined && <ErrorNotice error={error} title="Could not create the character" />}
      <div>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={busy || !name.trim() || !persona.trim()}
          onClick={create}
        >
          {busy ? 'Creating…' : 'Create character'}
        </button>
      </div>
    </div>
  );
}
