import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';

/** The parts of DescribeTrainingJob the progress display follows. */
export type JobSnapshot = Partial<
  Pick<
    DescribeTrainingJobResponse,
    | 'TrainingJobStatus'
    | 'SecondaryStatus'
    | 'SecondaryStatusTransitions'
    | 'FinalMetricDataList'
    | 'FailureReason'
  >
>;

export const TERMINAL_STATUSES = new Set(['Completed', 'Failed', 'Stopped']);

function metricsText(list: JobSnapshot['FinalMetricDataList']): string {
  return (list ?? [])
    .filter((m) => m.MetricName !== undefined && m.Value !== undefined)
    .map((m) => `${m.MetricName}=${Number(m.Value?.toFixed(4))}`)
    .sort()
    .join(' ');
}

/**
 * The progress lines to print when the job moved from `prev` to `cur` (pure): status transitions,
 * secondary status with its message, and the latest metrics when they changed.
 */
export function progressLines(jobName: string, prev: JobSnapshot | undefined, cur: JobSnapshot): string[] {
  const lines: string[] = [];
  if (cur.TrainingJobStatus !== prev?.TrainingJobStatus) {
    lines.push(`[${jobName}] status: ${prev?.TrainingJobStatus ?? '-'} -> ${cur.TrainingJobStatus ?? '?'}`);
  }
  const seen = prev?.SecondaryStatusTransitions?.length ?? 0;
  const transitions = cur.SecondaryStatusTransitions ?? [];
  for (const t of transitions.slice(seen)) {
    lines.push(`[${jobName}] ${t.Status}${t.StatusMessage ? `: ${t.StatusMessage}` : ''}`);
  }
  if (transitions.length === 0 && cur.SecondaryStatus !== prev?.SecondaryStatus && cur.SecondaryStatus) {
    lines.push(`[${jobName}] ${cur.SecondaryStatus}`);
  }
  const metrics = metricsText(cur.FinalMetricDataList);
  if (metrics && metrics !== metricsText(prev?.FinalMetricDataList))
    lines.push(`[${jobName}] metrics: ${metrics}`);
  if (cur.FailureReason && cur.FailureReason !== prev?.FailureReason)
    lines.push(`[${jobName}] failure: ${cur.FailureReason}`);
  return lines;
}
