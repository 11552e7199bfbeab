/** What the console shows of a child whose output went to a log: the log's last lines and its path. */
import { describe, expect, it } from 'vitest';
import { failureWithLogTail, lastLines } from './child-log.js';

describe('lastLines', () => {
  it('takes the last lines, ignoring trailing blank ones', () => {
    expect(lastLines('a\nb\nc\nd\n\n', 2)).toEqual(['c', 'd']);
    expect(lastLines('a\r\nb\r\n', 5)).toEqual(['a', 'b']);
  });

  it('gives nothing for an empty log or a count of zero', () => {
    expect(lastLines('', 3)).toEqual([]);
    expect(lastLines('\n\n', 3)).toEqual([]);
    expect(lastLines('a\nb', 0)).toEqual([]);
  });
});

describe('failureWithLogTail', () => {
  it('says what failed, quotes the end of the output and where the rest is', () => {
    const msg = failureWithLogTail('writing the default model failed (exit code 2)', '/r/x.log', [
      'Traceback (most recent call last):',
      'ERROR WeightsError: not installed',
    ]);
    expect(msg).toBe(
      'writing the default model failed (exit code 2); the last lines of its output:\n' +
        '    | Traceback (most recent call last):\n' +
        '    | ERROR WeightsError: not installed\n' +
        '  full output: /r/x.log',
    );
  });

  it('still names the log when the child wrote nothing', () => {
    expect(failureWithLogTail('x failed (SIGKILL)', '/r/x.log', [])).toBe(
      'x failed (SIGKILL)\n  full output: /r/x.log',
    );
  });
});
