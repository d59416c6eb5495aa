import { CodedError } from '$lib/coded-error';

/** Why a chart could not be opened on this device (practice.openChart). */
export class ChartOpenError extends CodedError<'no-such-chart' | 'no-chart-key'> {
  constructor(code: 'no-such-chart' | 'no-chart-key') {
    super(code);
    this.name = 'ChartOpenError';
  }
}
