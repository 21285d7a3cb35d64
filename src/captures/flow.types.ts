/** One network flow, as read from a capture row. */
export interface Flow {
  /** Start time in seconds since the Unix epoch (UTC), or null when the capture has none. */
  startTime: number | null;
  srcAddr: string;
  /** Source port as a decimal string, or '' when the protocol has none (ARP, some ICMP). */
  sport: string;
  dstAddr: string;
  /** Destination port as a decimal string, or '' when the protocol has none. */
  dport: string;
  /** Lower-case protocol name, for example `tcp`, `udp`, `icmp`. */
  proto: string;
  state: string;
  /** The capture's label text, or null for formats without labels. */
  label: string | null;
}

export const CAPTURE_FORMATS = ['binetflow', 'zeek-tsv', 'zeek-json'] as const;
export type CaptureFormat = (typeof CAPTURE_FORMATS)[number];

export interface RejectedRow {
  /** One-based line number in the decompressed file. */
  line: number;
  reason: string;
}
