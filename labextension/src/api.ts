/**
 * The server extension's REST API and WebSocket (jupyter_workflows/server), typed as its payloads are
 * (jupyter_workflows/server/_payloads.py, version 1). Requests go through ServerConnection: the server's
 * token and XSRF cookie are added as for JupyterLab's own calls.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IBadge {
  key: string;
  text: string;
}

export interface IOwner {
  ownership: 'server' | 'elsewhere' | 'orphaned' | 'done';
  kind: string | null;
  pid: number | null;
  host: string | null;
  kernel_id: string | null;
  text: string;
}

export interface IProcess {
  pk: number;
  uuid: string;
  process_label: string;
  label: string;
  node_type: string;
  state: string;
  paused: boolean;
  exit_status: number | null;
  exit_message: string | null;
  status: string;
  ctime: number;
  mtime: number;
  badge: IBadge;
  owner: IOwner;
  called: number;
}

export interface IPage {
  items: IProcess[];
  before: number | null;
  after: number | null;
  total: number | null;
}

export interface INodeRef {
  link_label: string;
  pk: number;
  uuid: string;
  type: string;
  value: string;
}

export interface IReport {
  time: number;
  level: string;
  message: string;
}

export interface IProcessDetail {
  kind: 'process';
  process: IProcess;
  description: string;
  step: string | null;
  exception: string | null;
  inputs: INodeRef[];
  outputs: INodeRef[];
  caller: IProcess | null;
  reports: IReport[];
}

export interface IDataDetail {
  kind: 'data';
  node: INodeRef;
  creator: IProcess | null;
}

export interface IStatus {
  version: number;
  ok: boolean;
  store: string;
  error: string | null;
  broker: string | null;
  live: string;
  badges: { [key: string]: { background: string; foreground: string } };
}

export interface IControlResult {
  pk: number;
  ok: boolean;
  done: boolean;
  message: string;
  kernel_id: string | null;
}

export type Action = 'pause' | 'play' | 'kill' | 'resume';

export interface IChange {
  type: 'changed' | 'status' | 'hello';
  pks?: number[];
  created?: boolean;
  reported?: boolean;
  items?: IProcess[]; // the changed rows, as pages show them
  ok?: boolean;
  error?: string | null;
}

/** An answer other than 2xx, with the server's message (the reason and the fix). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export class WorkflowsApi {
  readonly settings = ServerConnection.makeSettings();

  url(path: string, query: { [key: string]: string | number | boolean | undefined } = {}): string {
    const params = Object.entries(query)
      .filter(([, value]) => value !== undefined && value !== '' && value !== false)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
      .join('&');
    const base = URLExt.join(this.settings.baseUrl, 'workflows/api', path);
    return params ? `${base}?${params}` : base;
  }

  async request<T>(path: string, init: RequestInit = {}, query = {}): Promise<T> {
    const response = await this.fetch(path, init, query);
    return (await response.json()) as T;
  }

  async text(path: string, query = {}): Promise<string> {
    return (await this.fetch(path, {}, query)).text();
  }

  status(): Promise<IStatus> {
    return this.request<IStatus>('status');
  }

  counts(): Promise<{ [state: string]: number }> {
    return this.request('counts');
  }

  processes(query: { [key: string]: string | number | boolean | undefined }): Promise<IPage> {
    return this.request<IPage>('processes', {}, query);
  }

  children(pk: number): Promise<{ items: IProcess[] }> {
    return this.request(`processes/${pk}/children`);
  }

  detail(pk: number): Promise<IProcessDetail | IDataDetail> {
    return this.request(`processes/${pk}`);
  }

  graph(
    pk: number,
    options: { [key: string]: string | number | boolean | undefined }
  ): Promise<string> {
    return this.text(`processes/${pk}/graph.svg`, options);
  }

  async control(action: Action, pks: number[], message = ''): Promise<IControlResult[]> {
    const body = JSON.stringify({ action, pks, message });
    const answer = await this.request<{ results: IControlResult[] }>('processes/control', {
      method: 'POST',
      body
    });
    return answer.results;
  }

  /** The change feed; the caller reconnects when it closes. */
  events(): WebSocket {
    let url = URLExt.join(this.settings.wsUrl, 'workflows/api/events');
    if (this.settings.token) {
      url += `?token=${encodeURIComponent(this.settings.token)}`;
    }
    return new WebSocket(url);
  }

  private async fetch(path: string, init: RequestInit, query = {}): Promise<Response> {
    const response = await ServerConnection.makeRequest(this.url(path, query), init, this.settings);
    if (!response.ok) {
      let message = response.statusText;
      try {
        message = ((await response.json()) as { message?: string }).message || message;
      } catch {
        // not JSON: keep the status text
      }
      if (response.status === 404 && !message) {
        message =
          'The Workflows server extension does not answer: is jupyter_workflows installed in the server?';
      }
      throw new ApiError(response.status, message);
    }
    return response;
  }
}
