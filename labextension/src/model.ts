/**
 * The panel's state: filters, the current page, counts per state, the selection, and the live feed that keeps them
 * up to date (the server's WebSocket; a change refreshes what is shown within one round trip).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, IChange, IPage, IProcess, IStatus, WorkflowsApi } from './api';

export interface IFilters {
  state: string; // '', 'active', 'running', 'paused', 'finished', ...
  owner: string; // '', 'kernel', 'worker', 'script', 'server', 'orphaned'
  text: string;
  since: string; // '' or seconds back ('3600', '86400', '604800')
  tree: boolean;
}

const RECONNECT_MS = [100, 500, 1000, 2000, 5000];
const AGE_REFRESH_MS = 30_000;

export class WorkflowsModel {
  readonly api = new WorkflowsApi();
  filters: IFilters = { state: '', owner: '', text: '', since: '', tree: false };
  page: IPage = { items: [], before: null, after: null, total: null };
  counts: { [state: string]: number } = {};
  status: IStatus | null = null;
  error: string | null = null;
  readonly selected = new Set<number>();
  private cursor: { before?: number; after?: number } = {};
  private socket: WebSocket | null = null;
  private attempts = 0;
  private refreshing: Promise<void> | null = null;
  private again = false;
  private disposed = false;
  private timer: number;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _processesChanged = new Signal<this, IChange>(this);

  constructor() {
    this.timer = window.setInterval(() => void this.refresh(), AGE_REFRESH_MS);
  }

  /** The page, counts, status or selection changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The server said processes changed (detail views listen). */
  get processesChanged(): ISignal<this, IChange> {
    return this._processesChanged;
  }

  get running(): number {
    return (this.counts.running || 0) + (this.counts.waiting || 0) + (this.counts.created || 0);
  }

  selection(): IProcess[] {
    return this.page.items.filter(item => this.selected.has(item.pk));
  }

  start(): void {
    if (!this.socket) {
      this.connect();
    }
    void this.refresh(true);
  }

  dispose(): void {
    this.disposed = true;
    window.clearInterval(this.timer);
    this.socket?.close();
    Signal.clearData(this);
  }

  setFilters(filters: Partial<IFilters>): void {
    this.filters = { ...this.filters, ...filters };
    this.cursor = {};
    this.selected.clear();
    void this.refresh(true);
  }

  older(): void {
    if (this.page.before !== null) {
      this.cursor = { before: this.page.before };
      void this.refresh(true);
    }
  }

  newer(): void {
    if (this.page.after !== null) {
      this.cursor = { after: this.page.after };
      void this.refresh(true);
    }
  }

  toggle(pk: number, on: boolean): void {
    if (on) {
      this.selected.add(pk);
    } else {
      this.selected.delete(pk);
    }
    this._changed.emit();
  }

  query(total: boolean): { [key: string]: string | number | boolean | undefined } {
    const since = this.filters.since ? Date.now() / 1000 - Number(this.filters.since) : undefined;
    return {
      state: this.filters.state,
      owner: this.filters.owner,
      text: this.filters.text.trim(),
      since,
      top: this.filters.tree,
      before: this.cursor.before,
      after: this.cursor.after,
      total
    };
  }

  /** Read the page and the counts again; calls while one runs are folded into one more. */
  async refresh(total = false): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.load(total);
    try {
      await this.refreshing;
    } finally {
      this.refreshing = null;
    }
    if (this.again && !this.disposed) {
      this.again = false;
      await this.refresh();
    }
  }

  private async load(total: boolean): Promise<void> {
    try {
      const [page, counts] = await Promise.all([
        this.api.processes(this.query(total)),
        this.api.counts()
      ]);
      if (this.cursor.before !== undefined && page.items.length === 0) {
        this.cursor = {}; // the page emptied (processes deleted): back to the newest
      }
      const known = this.page.total;
      this.page = { ...page, total: page.total ?? known };
      this.counts = counts;
      this.error = null;
    } catch (error) {
      this.error = describe(error);
      if (error instanceof ApiError && error.status === 503) {
        this.status = await this.api.status().catch(() => null);
      }
    }
    this._changed.emit();
  }

  /** Show the rows the server pushed at once (the refresh that follows brings counts and new rows). */
  private patch(items: IProcess[]): void {
    const fresh = new Map(items.map(item => [item.pk, item]));
    if (!this.page.items.some(item => fresh.has(item.pk))) {
      return;
    }
    this.page = { ...this.page, items: this.page.items.map(item => fresh.get(item.pk) ?? item) };
    this._changed.emit();
  }

  private connect(): void {
    if (this.disposed) {
      return;
    }
    const socket = this.api.events();
    this.socket = socket;
    socket.onmessage = event => {
      this.attempts = 0;
      const change = JSON.parse(String(event.data)) as IChange;
      if (change.type === 'changed') {
        this.patch(change.items || []);
        this._processesChanged.emit(change);
        void this.refresh(Boolean(change.created));
      } else if (change.type === 'hello') {
        // The feed has looked at the store: every change from now on comes as a message. Catch up with what changed
        // before it (since the first page was read, or while disconnected).
        void this.refresh(true);
      } else if (change.type === 'status') {
        this.error = change.ok ? null : (change.error ?? 'The store cannot be opened.');
        void this.refresh(true);
      }
    };
    socket.onclose = () => {
      this.socket = null;
      const delay = RECONNECT_MS[Math.min(this.attempts++, RECONNECT_MS.length - 1)];
      window.setTimeout(() => this.connect(), delay);
    };
  }
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
