import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/api-error.js';

const PATH = '/api/v1/namespaces/shop/configmaps/cache-config';

describe('ApiError.isPreconditionConflict', () => {
  it('holds for a 409 Conflict that names no cause: a resourceVersion or uid that is not the stored one', () => {
    expect(new ApiError('PATCH', PATH, 409, 'Conflict', 'the object has been modified').isPreconditionConflict).toBe(true);
  });

  it('does not hold for a conflict between field managers, which names each field', () => {
    const causes = [{ reason: 'FieldManagerConflict', field: '.data.key', message: 'conflict with "someone-else"' }];
    expect(new ApiError('PATCH', PATH, 409, 'Conflict', 'Apply failed with 1 conflict', causes).isPreconditionConflict).toBe(false);
  });

  it('does not hold for other refusals: AlreadyExists, Invalid, NotFound', () => {
    expect(new ApiError('POST', PATH, 409, 'AlreadyExists', 'already exists').isPreconditionConflict).toBe(false);
    expect(new ApiError('PATCH', PATH, 422, 'Invalid', 'invalid', [{ field: 'metadata.uid' }]).isPreconditionConflict).toBe(false);
    expect(new ApiError('GET', PATH, 404, 'NotFound', 'not found').isPreconditionConflict).toBe(false);
  });
});
