import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_NAME_LENGTH, namespacedName } from './tool-names.js';

describe('namespacedName', () => {
  it('joins service and tool with a double underscore when that fits', () => {
    expect(namespacedName('postgres', 'query')).toBe('postgres__query');
    expect(namespacedName('bir', 'track_bir_filing_deadlines')).toBe('bir__track_bir_filing_deadlines');
  });

  it('shortens long names to 64 characters with a hash suffix, deterministically', () => {
    const tool = 'a_tool_whose_name_is_far_too_long_for_clients_that_cap_names_at_sixty_four';
    const name = namespacedName('monitor', tool);
    expect(name).toHaveLength(MAX_NAME_LENGTH);
    expect(name).toMatch(/^monitor__a_tool_whose_name_is_far_too_long_for_clients__[0-9a-f]{8}$/);
    expect(namespacedName('monitor', tool)).toBe(name);
  });

  it('replaces characters outside [A-Za-z0-9_-] and marks the name with its hash', () => {
    expect(namespacedName('github', 'repos.list')).toMatch(/^github__repos_list_[0-9a-f]{8}$/);
    // The hash keeps tools apart that sanitize to the same text.
    expect(namespacedName('github', 'repos.list')).not.toBe(namespacedName('github', 'repos/list'));
  });

  it('always yields a safe name of at most 64 characters, different for different tools', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/), fc.string({ minLength: 1, maxLength: 128 }), fc.string({ minLength: 1, maxLength: 128 }), (service, a, b) => {
        const na = namespacedName(service, a);
        expect(na.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
        expect(na).toMatch(/^[A-Za-z0-9_-]+$/);
        if (a !== b) expect(namespacedName(service, b)).not.toBe(na);
      }),
    );
  });
});
