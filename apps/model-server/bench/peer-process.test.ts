import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PEER_REQUIREMENTS, peerVenvReady, requirementsStamp } from './peer-process.js';

describe('the peer venv stamp', () => {
  it('changes with the requirements', () => {
    expect(requirementsStamp('fastapi==1\n')).toMatch(/^[0-9a-f]{64}$/);
    expect(requirementsStamp('fastapi==1\n')).not.toBe(requirementsStamp('fastapi==2\n'));
  });

  it('pins every requirement to one version', () => {
    const lines = readFileSync(PEER_REQUIREMENTS, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(l).toMatch(/^[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*$/);
    expect(lines).toContain('onnxruntime==1.32.0');
  });

  it('is not ready where no venv was made', () => {
    expect(peerVenvReady('/nonexistent/peer-venv')).toBe(false);
  });
});
