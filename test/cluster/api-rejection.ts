import { ApiException } from '@kubernetes/client-node';

/** What the API server said when it refused a request: its HTTP code and metav1.Status. */
export interface ApiRejection {
  readonly code: number;
  readonly reason: string | undefined;
  readonly message: string;
  /** Field-level causes (`details.causes`), e.g. `spec.replicas` for a schema violation. */
  readonly causes: readonly { readonly field?: string; readonly message?: string; readonly reason?: string }[];
}

/**
 * Awaits a request that must be refused and returns the refusal. Throws when the request
 * succeeds or fails without an answer from the API server (network error, client bug), so a
 * test cannot pass for the wrong reason.
 */
export async function apiRejection(request: Promise<unknown>): Promise<ApiRejection> {
  let error: unknown;
  try {
    await request;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error('the API server accepted a request it was expected to refuse');
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = error.body;
  const status = (typeof body === 'string' ? safeParse(body) : body) as
    | { reason?: string; message?: string; details?: { causes?: ApiRejection['causes'] } }
    | undefined;
  return {
    code: error.code,
    reason: status?.reason,
    message: status?.message ?? String(body),
    causes: status?.details?.causes ?? [],
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
