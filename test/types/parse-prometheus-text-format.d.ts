/** Types for parse-prometheus-text-format 1.1.1 (a port of Prometheus' own Go text parser; ships none). */
declare module 'parse-prometheus-text-format' {
  export type Labels = Record<string, string>;
  export interface Sample {
    value: string;
    labels?: Labels;
    timestamp_ms?: string;
  }
  export interface HistogramSample {
    buckets: Record<string, string>;
    count: string;
    sum: string;
    labels?: Labels;
  }
  export interface SummarySample {
    quantiles: Record<string, string>;
    count: string;
    sum: string;
    labels?: Labels;
  }
  export interface MetricFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Array<Sample | HistogramSample | SummarySample>;
  }
  /** Throws on a line that is not valid text exposition format. */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
